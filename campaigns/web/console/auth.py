"""Console sign-in: a password login kept in the Flask session, idle expiry, roles and CSRF.

The console's keys (``console_user``, ``console_seen``) are separate from the player's
(``player_id``, ``openid``). Every console POST but sign-in and sign-out changes something, so
analysts get 403 on all of them here, in one place, before any view runs.
"""

from __future__ import annotations

import time

from flask import current_app, g, redirect, request, session, url_for
from flask_wtf.csrf import CSRFProtect

from campaigns.core.errors import DomainError, ErrorCode
from campaigns.management import users
from campaigns.web.extensions import db

csrf = CSRFProtect()
USER_KEY = "console_user"
SEEN_KEY = "console_seen"
OPEN_ENDPOINTS = {"console.login", "console.static"}
READ_ONLY_POSTS = {"console.login", "console.logout"}


def sign_in(user) -> None:
    session.permanent = True
    session[USER_KEY] = user.id
    session[SEEN_KEY] = int(time.time())


def sign_out() -> None:
    session.pop(USER_KEY, None)
    session.pop(SEEN_KEY, None)


def before_request():
    """Blueprint hook: CSRF on every form, then the login, its idle expiry and the role."""
    if request.method == "POST":
        csrf.protect()
    if request.endpoint in OPEN_ENDPOINTS:
        return None
    seen = session.get(SEEN_KEY)
    idle = current_app.config["CONSOLE_IDLE_SECONDS"]
    user = users.active_user(db.session, session.get(USER_KEY))
    if user is None or not isinstance(seen, int) or time.time() - seen > idle:
        expired = USER_KEY in session
        sign_out()
        return redirect(url_for("console.login", next=request.full_path, expired=int(expired)))
    session[SEEN_KEY] = int(time.time())
    g.console_user = user
    if request.method == "POST" and request.endpoint not in READ_ONLY_POSTS:
        if user.role != "marketer":
            raise DomainError(
                ErrorCode.FORBIDDEN,
                "This needs the marketer role; analysts may only read.",
                {"role": [user.role]},
            )
    return None


def actor_name() -> str:
    """Who the audit log names for a console change."""
    return f"user:{g.console_user.username}"
