"""Security headers on every response, cookie flags, and the production start-up checks."""

from __future__ import annotations

import pytest

from campaigns.config import DEFAULT_SECRET_KEY
from campaigns.web.app import create_app
from campaigns.web.security import APP_DIRECTIVES, content_security_policy
from games.views import PLAYER_DIRECTIVES


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/healthz"),
        ("get", "/api/openapi.json"),
        ("get", "/api/campaigns"),  # 401
        ("get", "/no/such/page"),  # 404
        ("post", "/h5/1/play"),  # 401 no session
        ("delete", "/healthz"),  # 405
    ],
)
def test_every_response_carries_the_security_headers(client, method, url):
    response = getattr(client, method)(url)
    headers = response.headers
    csp = headers["Content-Security-Policy"]
    for directive in ("default-src 'self'", "script-src 'self'", "frame-ancestors 'none'"):
        assert directive in csp
    assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert "unsafe-eval" not in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] in {
        "strict-origin-when-cross-origin",
        "no-referrer",
        "same-origin",
    }
    assert headers["X-Frame-Options"] == "DENY"
    assert "Strict-Transport-Security" not in headers  # plain-HTTP test server


def test_the_policy_names_no_other_host():
    for directives in (APP_DIRECTIVES, PLAYER_DIRECTIVES):
        policy = content_security_policy(directives, {"WECHAT_SANDBOX": False})
        assert "*" not in policy and "http:" not in policy and "://" not in policy
        assert "frame-ancestors 'none'" in policy


def test_only_the_sandboxs_phone_may_frame_the_pages_and_only_in_sandbox_mode(
    app_on, redis_url, factory
):
    """The sandbox's phone shows the game inside its phone frame (WeChat's in-app browser):
    with WECHAT_SANDBOX on, the sandbox's origin (only) may frame our pages; otherwise nobody."""
    campaign = factory.campaign()
    on = app_on(redis_url, WECHAT_SANDBOX=True, WECHAT_SANDBOX_URL="http://127.0.0.1:5001")
    off = app_on(redis_url)
    for path in ("/healthz", f"/h5/{campaign.id}/rules", "/admin/login"):
        framed = on.test_client().get(path).headers
        assert "frame-ancestors http://127.0.0.1:5001" in framed["Content-Security-Policy"], path
        assert "X-Frame-Options" not in framed
        closed = off.test_client().get(path).headers
        assert "frame-ancestors 'none'" in closed["Content-Security-Policy"], path
        assert closed["X-Frame-Options"] == "DENY"


def _session_cookie(app, player_id=1) -> str:
    @app.get("/_test/sign-in")
    def _sign_in():
        from flask import session

        session["player_id"] = player_id
        return {}

    return app.test_client().get("/_test/sign-in").headers["Set-Cookie"]


def test_session_cookie_is_httponly_and_samesite_lax(app_on, redis_url):
    cookie = _session_cookie(app_on(redis_url))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # http://testserver


def test_behind_https_cookies_are_secure_and_hsts_is_sent(app_on, redis_url):
    app = app_on(redis_url, PUBLIC_BASE_URL="https://campaigns.example")
    assert "Secure" in _session_cookie(app)
    assert "max-age" in app.test_client().get("/healthz").headers["Strict-Transport-Security"]


def test_proxy_fix_takes_scheme_and_client_from_trusted_proxies(app_on, redis_url):
    app = app_on(redis_url, TRUSTED_PROXIES=1)

    @app.get("/_test/whoami")
    def _whoami():
        from flask import request

        return {"scheme": request.scheme, "ip": request.remote_addr}

    seen = (
        app.test_client()
        .get(
            "/_test/whoami",
            headers={"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"},
        )
        .json
    )
    assert seen == {"scheme": "https", "ip": "203.0.113.9"}
    untrusted = app_on(redis_url)  # TRUSTED_PROXIES=0: the header is the client's to forge

    @untrusted.get("/_test/whoami")
    def _whoami_direct():
        from flask import request

        return {"ip": request.remote_addr}

    forged = (
        untrusted.test_client()
        .get("/_test/whoami", headers={"X-Forwarded-For": "203.0.113.9"})
        .json
    )
    assert forged["ip"] != "203.0.113.9"


GOOD_KEY = "k" * 48
GOOD_CLAIMS_KEY = "k1:" + "A" * 43  # 32 zero bytes in URL-safe base64


@pytest.mark.parametrize(
    ("settings", "complaint"),
    [
        ({"SECRET_KEY": DEFAULT_SECRET_KEY}, "SECRET_KEY"),
        ({"SECRET_KEY": ""}, "SECRET_KEY"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY"),
        ({"SECRET_KEY": GOOD_KEY, "WECHAT_SANDBOX": True}, "WECHAT_SANDBOX"),
        ({"SECRET_KEY": GOOD_KEY, "WECHAT_TOKEN": "sandbox-token"}, "WECHAT_TOKEN"),
        ({"SECRET_KEY": GOOD_KEY, "WECHAT_TOKEN": ""}, "WECHAT_TOKEN"),
        ({"SECRET_KEY": GOOD_KEY, "CLAIMS_KEY": ""}, "CLAIMS_KEY must be set"),
        ({"SECRET_KEY": GOOD_KEY, "CLAIMS_KEY": "k1:c2hvcnQ"}, "must be 32 bytes"),
        (
            {"SECRET_KEY": GOOD_KEY, "WECHAT_PAY_API_KEY": "sandbox-pay-key-0123456789abcdef"},
            "WECHAT_PAY_API_KEY",
        ),
        ({"SECRET_KEY": GOOD_KEY, "WECHAT_PAY_API_KEY": ""}, "WECHAT_PAY_API_KEY"),
    ],
)
def test_production_refuses_to_start_with_a_default_secret_token_or_the_sandbox(
    settings, complaint, redis_url, tmp_path
):
    overrides = {
        "PRODUCTION": True,
        "REDIS_URL": redis_url,
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite3'}",
        "WECHAT_TOKEN": "the-accounts-own-token",
        **settings,
    }
    with pytest.raises(RuntimeError, match=complaint):
        create_app(overrides)


def test_production_reads_its_settings_from_the_environment(monkeypatch, redis_url, tmp_path):
    monkeypatch.setenv("PRODUCTION", "1")
    monkeypatch.setenv("WECHAT_SANDBOX", "1")
    monkeypatch.setenv("SECRET_KEY", GOOD_KEY)
    monkeypatch.setenv("WECHAT_TOKEN", "the-accounts-own-token")
    monkeypatch.setenv("CLAIMS_KEY", GOOD_CLAIMS_KEY)
    monkeypatch.setenv("WECHAT_PAY_API_KEY", "the-merchants-own-32-character-key")
    base = {"REDIS_URL": redis_url, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}"}
    with pytest.raises(RuntimeError, match="WECHAT_SANDBOX"):
        create_app(base)
    monkeypatch.delenv("WECHAT_SANDBOX")
    assert create_app(base).config["SECRET_KEY"] == GOOD_KEY  # a proper setup starts
