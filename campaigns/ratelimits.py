"""Request rate limits: named here, counted in Redis, answered with our JSON error.

Why Redis: gunicorn runs several processes (and production several hosts); counts kept in memory
would let each process grant its own quota. Why per player on the play path: at an event many
players share one carrier NAT or office IP, so an IP key would refuse honest players; the real
per-day limits are enforced by the draw engine, these only stop a script hammering the server.

Limits are strings in flask-limiter's notation, configurable as ``RATELIMIT_<NAME>`` settings;
``RATELIMIT_SCALE`` multiplies every one of them (tests and ``make bench`` raise it).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import limits
from flask import Flask, current_app, request, session
from flask_limiter.errors import RateLimitExceeded

from campaigns.errors import DomainError, ErrorCode
from campaigns.extensions import limiter
from campaigns.http_errors import error_response

# One player's plays (RATELIMIT_PLAY): a burst no human reaches, far above any daily limit.
PLAY = "PLAY"
PLAY_LIMIT = "10/second;300/minute"
# One admin token, or client IP without a valid token, on the admin API (RATELIMIT_ADMIN).
ADMIN = "ADMIN"
ADMIN_LIMIT = "20/second;600/minute"


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


def limit(name: str, key: Callable[[], str]):
    """Decorator (or, called on a Blueprint, a limit on all its routes) for the named limit."""
    return limiter.limit(lambda: _current(name), key_func=key)


def client_ip() -> str:
    """The client's address (behind a proxy: as ProxyFix took it from X-Forwarded-For)."""
    return f"ip:{request.remote_addr or 'unknown'}"


def player_or_ip() -> str:
    """The signed session's player, so players sharing an IP are counted apart."""
    player_id = session.get("player_id")
    if isinstance(player_id, int) and not isinstance(player_id, bool):
        return f"player:{player_id}"
    return client_ip()


def init_app(app: Flask) -> None:
    # From REDIS_URL as finally configured (tests override it after the environment is read).
    app.config.setdefault("RATELIMIT_STORAGE_URI", storage_uri(app.config["REDIS_URL"]))
    limiter.init_app(app)

    @app.errorhandler(RateLimitExceeded)
    def _rate_limited(_exc: RateLimitExceeded):
        hit = limiter.current_limit
        retry_after = max(1, hit.reset_at - int(time.time())) if hit else 1
        return error_response(DomainError(ErrorCode.RATE_LIMITED, retry_after=retry_after))
