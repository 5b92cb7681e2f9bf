"""Bearer-token auth for the admin API: marketers write, analysts only read."""

from __future__ import annotations

from dataclasses import dataclass
from functools import wraps

from flask import g, request

from campaigns.core import services
from campaigns.core.errors import DomainError, ErrorCode
from campaigns.management.tokens import find_token
from campaigns.web.extensions import db
from campaigns.web.ratelimits import client_ip


@dataclass(frozen=True)
class Actor:
    role: str
    name: str


def current_actor() -> Actor:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise DomainError(
            ErrorCode.UNAUTHORIZED,
            "Send Authorization: Bearer <token>.",
            {"Authorization": ["Missing or not a bearer token."]},
        )
    found = find_token(db.session, token.strip(), services.now())
    if found is None:
        raise DomainError(
            ErrorCode.UNAUTHORIZED,
            "Unknown, revoked or expired token.",
            {"Authorization": ["Unknown, revoked or expired token."]},
        )
    return Actor(role=found.role, name=f"token:{found.id}:{found.label or found.role}")


def rate_limit_key() -> str:
    """Count admin requests per valid token, else per client IP: a made-up token must not buy
    a fresh allowance (that would also let token guessing run unthrottled)."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        found = find_token(db.session, token.strip(), services.now())
        if found is not None:
            return f"token:{found.id}"
    return client_ip()


def require(role: str | None = None):
    """Any valid token may read; ``role="marketer"`` is needed to write."""

    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            actor = current_actor()
            if role and actor.role != role:
                raise DomainError(
                    ErrorCode.FORBIDDEN,
                    f"This needs the {role} role.",
                    {"Authorization": [f"Role {actor.role} may only read."]},
                )
            g.actor = actor
            return view(*args, **kwargs)

        return wrapper

    return decorate
