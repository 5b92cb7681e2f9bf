"""Console sign-ins with a server-side identity, so they can be ended.

The Flask session is a signed cookie: on its own, a copy saved before sign-out would work until
it idles out. So a sign-in is a random id kept in Redis for ``CONSOLE_IDLE_SECONDS`` (each
request renews it): sign-out deletes it, and it holds a fingerprint of the user's password hash,
so a password change ends every session of that user at once, in every process. A disabled
user's sessions end because the user no longer counts as active (users.active_user). Redis
keeping these means a Redis that lost its data signs everyone out: the safe side to fail on.
"""

from __future__ import annotations

import hashlib
import secrets

KEY_PREFIX = "cg:console:session:"


def _key(session_id: str) -> str:
    return KEY_PREFIX + session_id


def password_fingerprint(user) -> str:
    """Changes whenever the password does (its hash is salted afresh each time)."""
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:32]


def start(redis, user, idle_seconds: int) -> str:
    """A new session id for ``user`` (a fresh one at every sign-in: no fixation)."""
    session_id = secrets.token_urlsafe(32)
    redis.set(_key(session_id), f"{user.id}:{password_fingerprint(user)}", ex=idle_seconds)
    return session_id


def user_id_of(redis, session_id, idle_seconds: int) -> tuple[int, str] | None:
    """(user id, password fingerprint) of a live session, renewing its idle time; None when it
    was ended, idled out or never existed."""
    if not isinstance(session_id, str) or not session_id:
        return None
    held = redis.getex(_key(session_id), ex=idle_seconds)
    if held is None:
        return None
    user_id, _, fingerprint = held.decode().partition(":")
    return int(user_id), fingerprint


def end(redis, session_id) -> None:
    if isinstance(session_id, str) and session_id:
        redis.delete(_key(session_id))
