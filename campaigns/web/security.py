"""Browser-facing hardening and the production start-up checks.

Why a strict CSP: a campaign or prize name is marketer input shown to thousands of players; if
escaping ever slipped, the browser must still refuse to run injected script or send data to
another host. Scripts come only from our own files (no inline script, no eval); a view that
needs another policy (a hashed inline script) sets its own header, which is left alone.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from campaigns.config import DEFAULT_SECRET_KEY
from campaigns.prizes import sealing
from campaigns.wechat.config import ACCOUNT_DEFAULTS

APP_DIRECTIVES = (
    "default-src 'self'",
    "script-src 'self'",
    # Inline style attributes (theme colours from a campaign's look) are allowed; styles
    # cannot run script, and every style sheet still comes from our host.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
)

HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}
# Only sent when players reach us over HTTPS, so a plain-HTTP laptop run is not pinned.
HSTS = "max-age=31536000"
MIN_SECRET_KEY_LENGTH = 32


def check_production(config) -> None:
    """Refuse to start a production app with a known secret or the WeChat stand-in.

    The secret key signs player sessions: with the published default anyone can forge a cookie
    naming any player. The sandbox approves any openid on its OAuth page: anyone could play as
    anyone. The callback token signs WeChat's messages: with the default anyone could sign a
    follow event. The WeChat Pay key signs the cash prizes' red packets the same way.
    """
    if not config.get("PRODUCTION"):
        return
    problems = []
    key = config.get("SECRET_KEY") or ""
    if key == DEFAULT_SECRET_KEY or len(key) < MIN_SECRET_KEY_LENGTH:
        problems.append(
            f"SECRET_KEY must be set from the environment to a random value of at least "
            f"{MIN_SECRET_KEY_LENGTH} characters (not the development default)"
        )
    if config.get("WECHAT_SANDBOX"):
        problems.append("WECHAT_SANDBOX must be off (it lets anyone sign in as any openid)")
    if config.get("WECHAT_TOKEN") in ("", ACCOUNT_DEFAULTS["WECHAT_TOKEN"]):
        problems.append(
            "WECHAT_TOKEN must be the account's own callback token (with the published "
            "default anyone can sign callbacks)"
        )
    if config.get("WECHAT_PAY_API_KEY") in ("", ACCOUNT_DEFAULTS["WECHAT_PAY_API_KEY"]):
        problems.append(
            "WECHAT_PAY_API_KEY must be the merchant's own API key (the published sandbox key "
            "signs red packets anyone could forge, and WeChat Pay refuses it)"
        )
    try:
        if not (config.get("CLAIMS_KEY") or "").strip():
            problems.append(
                "CLAIMS_KEY must be set (the AES-GCM key sealing winners' addresses and phones; "
                "docs/security.md)"
            )
        else:
            sealing.parse_keys(config["CLAIMS_KEY"], key)
    except ValueError as exc:
        problems.append(str(exc))
    if problems:
        raise RuntimeError("Refusing to start with PRODUCTION=1: " + "; ".join(problems) + ".")


def frame_ancestors(config) -> str:
    """Who may show our pages in a frame: nobody (clickjacking), except the sandbox's phone
    page when WECHAT_SANDBOX is on, which plays WeChat's in-app browser around the game."""
    if not config.get("WECHAT_SANDBOX"):
        return "'none'"
    sandbox = urlsplit(config["WECHAT_SANDBOX_URL"])
    return f"{sandbox.scheme}://{sandbox.netloc}"


def content_security_policy(directives, config) -> str:
    """``directives`` and the frame-ancestors of ``config``: one policy per kind of page."""
    return "; ".join([*directives, f"frame-ancestors {frame_ancestors(config)}"])


def response_headers(config) -> dict[str, str]:
    headers = {
        **HEADERS,
        "Content-Security-Policy": content_security_policy(APP_DIRECTIVES, config),
    }
    if not config.get("WECHAT_SANDBOX"):
        # The old browsers' frame-ancestors; it has no "allow this origin" form that works.
        headers["X-Frame-Options"] = "DENY"
    return headers


def trusted_hosts(config) -> list[str]:
    """The Host names requests may carry: PUBLIC_BASE_URL's, and any ALLOWED_HOSTS (an internal
    name a load balancer's health check uses). Flask answers any other Host with 400, so a
    forged ``Host: evil.example`` never reaches a redirect or an absolute URL."""
    return [urlsplit(config["PUBLIC_BASE_URL"]).hostname, *config["ALLOWED_HOSTS"]]


def init_app(app: Flask) -> None:
    app.config["TRUSTED_HOSTS"] = trusted_hosts(app.config)  # as finally configured
    trusted = int(app.config["TRUSTED_PROXIES"])
    if trusted:
        # Client IP (rate limits) and scheme (Secure cookies, redirects) from our own proxies.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=trusted, x_proto=trusted, x_host=trusted)
    https = app.config["PUBLIC_BASE_URL"].startswith("https://")
    if https:  # as finally configured: players reach us over HTTPS, cookies never go in clear
        app.config["SESSION_COOKIE_SECURE"] = True
    headers = response_headers(app.config)

    @app.after_request
    def _security_headers(response):
        for name, value in headers.items():
            response.headers.setdefault(name, value)
        if https:
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        return response
