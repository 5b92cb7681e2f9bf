"""Request rate limits: named here, counted in Redis, answered with our JSON error.

Why Redis: gunicorn runs several processes (and production several hosts); counts kept in memory
would let each process grant its own quota. Why per player on the play path: at an event many
players share one carrier NAT or office IP, so an IP key would refuse honest players; the real
per-day limits are enforced by the draw engine, these only stop a script hammering the server.

Limits are strings in flask-limiter's notation, configurable as ``RATELIMIT_<NAME>`` settings;
``RATELIMIT_SCALE`` multiplies every one of them (tests and ``make bench`` raise it).
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable

import limits
from flask import Flask, current_app, request, session
from flask_limiter.errors import RateLimitExceeded

from campaigns.core.errors import DomainError, ErrorCode
from campaigns.web.extensions import limiter
from campaigns.web.http_errors import error_response

# One player's plays (RATELIMIT_PLAY): a burst no human reaches, far above any daily limit.
# One fixed window, so one Redis round trip per play (each limit of a pair costs its own): at
# most 5 a second, so at most 300 a minute, and 10 in a second that straddles two windows.
PLAY = "PLAY"
PLAY_LIMIT = "5/second"
# One admin token, or client IP without a valid token, on the admin API (RATELIMIT_ADMIN).
ADMIN = "ADMIN"
ADMIN_LIMIT = "20/second;600/minute"
# One player's quiz requests (deal or grade; RATELIMIT_QUIZ): each attempt is a play anyway.
QUIZ = "QUIZ"
QUIZ_LIMIT = "5/second;120/minute"
# One player's claim writes (POST /h5/<id>/wins/<win_id>/claim; RATELIMIT_CLAIM): a winner fills
# in an address, corrects a typo the 422 named, edits it once or twice before shipping; a few a
# minute is plenty, and each write costs an AES-GCM seal and a SQL write.
CLAIM = "CLAIM"
CLAIM_LIMIT = "10/minute;60/hour"
# Failed OAuth callbacks per client IP (RATELIMIT_OAUTH_FAILED): an unknown, expired or replayed
# state, a missing code or one WeChat refuses. Only failures count: hundreds of players behind
# one venue's IP sign in within a minute, and honest ones rarely fail. Once an IP is over it, its
# callbacks are refused until the window passes. Starting sign-ins is bounded separately, by
# the unfinished states one IP may hold (OAUTH_PENDING_PER_IP, campaigns/wechat/login.py).
OAUTH_FAILED = "OAUTH_FAILED"
OAUTH_FAILED_LIMIT = "10/second;30/minute"
# Console sign-in attempts (POST) per username (RATELIMIT_LOGIN_USER) and per client IP
# (RATELIMIT_LOGIN_IP): password guessing against one account, or many accounts from one host.
LOGIN_USER = "LOGIN_USER"
LOGIN_USER_LIMIT = "5/minute;30/hour"
LOGIN_IP = "LOGIN_IP"
LOGIN_IP_LIMIT = "20/minute;200/hour"
# Redemption code misses (unknown codes) per admin token or console user (RATELIMIT_REDEEM):
# staff mistype a few; a script guessing 80-bit codes gets almost no tries.
REDEEM = "REDEEM"
REDEEM_LIMIT = "10/minute;100/hour"
# WeChat's callback per client IP (RATELIMIT_CALLBACK): WeChat's servers send bursts after a
# poster goes up, so generous; an unsigned flood stops here before any XML is read.
CALLBACK = "CALLBACK"
CALLBACK_LIMIT = "100/second;3000/minute"

# Requests for a campaign's follow QR code that would ask WeChat to make it, per client IP
# (RATELIMIT_QR_CREATE): permanent codes are a quota of the account; serving one already made
# is not counted (a venue's crowd loads it on every game page).
QR_CREATE = "QR_CREATE"
QR_CREATE_LIMIT = "5/minute;30/hour"

# Simulations per admin token or console user (RATELIMIT_SIMULATION): each is up to a tenth of
# a second of a worker's CPU (campaigns/management/simulator.py), so a few a second, by anyone.
SIMULATION = "SIMULATION"
SIMULATION_LIMIT = "2/second;30/minute"


def storage_uri(redis_url: str) -> str:
    """The app's REDIS_URL in the form the ``limits`` library names its Redis storages."""
    if redis_url.startswith("unix://"):
        return "redis+unix://" + redis_url[len("unix://") :]
    return redis_url


def scaled(spec: str, scale: float) -> str:
    """``spec`` with every amount multiplied by ``scale`` (at least 1 per window)."""
    if scale == 1:
        return spec
    return ";".join(
        f"{max(1, int(item.amount * scale))} per {item.multiples} {item.GRANULARITY.name}"
        for item in limits.parse_many(spec)
    )


def _current(name: str) -> str:
    config = current_app.config
    return scaled(config[f"RATELIMIT_{name}"], float(config["RATELIMIT_SCALE"]))


def limit(name: str, key: Callable[[], str], **options):
    """Decorator (or, called on a Blueprint, a limit on all its routes) for the named limit.

    One allowance per key and name, shared by every route the limit is put on (the quiz's deal
    and grade, OAuth's start and callback, the redemption API and desk draw on one count).
    ``options`` go to flask-limiter (``methods``, ``deduct_when``, ``exempt_when``).
    """
    return limiter.shared_limit(lambda: _current(name), f"limit:{name}", key_func=key, **options)


def in_script(name: str) -> tuple[int, int] | None:
    """The named limit as the draw script enforces it, (requests, window in ms), or None when
    rate limits are off. The script counts one fixed window (``init_app`` refuses more)."""
    config = current_app.config
    if not config["RATELIMIT_ENABLED"]:
        return None
    return _script_limit(_current(name))


@functools.cache
def _script_limit(spec: str) -> tuple[int, int]:
    item = limits.parse_many(spec)[0]
    return item.amount, item.get_expiry() * 1000


def has_player() -> bool:
    """The request carries a signed-in player's session (whose limit the script counts)."""
    player_id = session.get("player_id")
    return isinstance(player_id, int) and not isinstance(player_id, bool)


def client_ip() -> str:
    """The client's address (behind a proxy: as ProxyFix took it from X-Forwarded-For)."""
    return f"ip:{request.remote_addr or 'unknown'}"


def player_or_ip() -> str:
    """The signed session's player, so players sharing an IP are counted apart."""
    player_id = session.get("player_id")
    if isinstance(player_id, int) and not isinstance(player_id, bool):
        return f"player:{player_id}"
    return client_ip()


def login_username() -> str:
    """The username a console sign-in tries (normalised, so case changes buy no tries)."""
    username = (request.form.get("username") or "").strip().lower()[:150]
    return f"login:{username}"


def console_user_or_ip() -> str:
    """The signed-in console user, else the client IP."""
    user_id = session.get("console_user")
    if isinstance(user_id, int) and not isinstance(user_id, bool):
        return f"user:{user_id}"
    return client_ip()


def missed(response) -> bool:
    """Count only misses (an unknown or malformed code), for limits on guessing."""
    return response.status_code in (404, 422)


def made(response) -> bool:
    """Count only what was made (a 503 from a request that waited on another is not)."""
    return response.status_code == 200


def refused(response) -> bool:
    """Count only refusals of what was sent (a bad state or code), not successes nor 503s."""
    return response.status_code == 400


def retry_after() -> int:
    """Seconds until the limit just hit lets a request through again (for Retry-After)."""
    hit = limiter.current_limit
    return max(1, hit.reset_at - int(time.time())) if hit else 1


def init_app(app: Flask) -> None:
    if len(limits.parse_many(app.config[f"RATELIMIT_{PLAY}"])) != 1:
        # A second window would be counted for requests without a session only: refuse to
        # start rather than let a configured limit go unenforced for players.
        raise RuntimeError(
            f"RATELIMIT_{PLAY} takes one window, such as {PLAY_LIMIT!r} (the draw script counts "
            f"it); it is {app.config[f'RATELIMIT_{PLAY}']!r}"
        )
    # From REDIS_URL as finally configured (tests override it after the environment is read).
    app.config.setdefault("RATELIMIT_STORAGE_URI", storage_uri(app.config["REDIS_URL"]))
    limiter.init_app(app)

    @app.errorhandler(RateLimitExceeded)
    def _rate_limited(_exc: RateLimitExceeded):
        return error_response(DomainError(ErrorCode.RATE_LIMITED, retry_after=retry_after()))
