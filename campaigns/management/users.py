"""Console users: created by the CLI, signed in with a password checked against a slow hash."""

from __future__ import annotations

from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from campaigns.core.clock import utc_naive
from campaigns.core.errors import DomainError, ErrorCode
from campaigns.management.tokens import ROLES
from campaigns.models import AdminUser

MIN_PASSWORD_LENGTH = 10
# Checked when the username is unknown, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


def create_user(session, username: str, role: str, password: str, now) -> AdminUser:
    username = username.strip()
    errors: dict[str, list[str]] = {}
    if not username or len(username) > 80:
        errors["username"] = ["1 to 80 characters."]
    if role not in ROLES:
        errors["role"] = [f"One of: {', '.join(ROLES)}."]
    if len(password) < MIN_PASSWORD_LENGTH:
        errors["password"] = [f"At least {MIN_PASSWORD_LENGTH} characters."]
    if not errors and session.scalar(select(AdminUser).where(AdminUser.username == username)):
        errors["username"] = ["Already taken."]
    if errors:
        raise DomainError(ErrorCode.VALIDATION, "Cannot create this user.", errors)
    user = AdminUser(
        username=username,
        role=role,
        password_hash=generate_password_hash(password),
        created_at=utc_naive(now),
    )
    session.add(user)
    session.commit()
    return user


def authenticate(session, username: str, password: str) -> AdminUser | None:
    user = session.scalar(select(AdminUser).where(AdminUser.username == username.strip()))
    if user is None or user.disabled_at is not None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    return user if check_password_hash(user.password_hash, password) else None


def active_user(session, user_id) -> AdminUser | None:
    user = session.get(AdminUser, user_id) if isinstance(user_id, int) else None
    return user if user is not None and user.disabled_at is None else None


def change_password(session, username: str, password: str) -> AdminUser:
    """A new password (and so a new hash): every console session of the user ends with it
    (console/sessions.py binds each to the hash it was signed in under)."""
    user = session.scalar(select(AdminUser).where(AdminUser.username == username.strip()))
    if user is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No such user.", {"username": ["Unknown."]})
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DomainError(
            ErrorCode.VALIDATION,
            "Cannot change this password.",
            {"password": [f"At least {MIN_PASSWORD_LENGTH} characters."]},
        )
    user.password_hash = generate_password_hash(password)
    session.commit()
    return user


def disable_user(session, username: str, now) -> AdminUser:
    """Remove a user's access for good (their rows in the audit log keep their name); their
    sessions end at their next request, which no longer finds an active user."""
    user = session.scalar(select(AdminUser).where(AdminUser.username == username.strip()))
    if user is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No such user.", {"username": ["Unknown."]})
    user.disabled_at = utc_naive(now)
    session.commit()
    return user
