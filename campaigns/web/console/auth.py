"""Console sign-in: a password login with a server-side identity, idle expiry, roles and CSRF.

The console's keys (``console_user``, ``console_session``) are separate from the player's
(``player_id``, ``openid``). The session id names a sign-in held in Redis (console/sessions.py),
so signing out, a password change or disabling the user ends it, and the idle time is renewed
there rather than by re-issuing the cookie on every request. Signing in or out also drops the
CSRF secret, so a form token from before is worthless after. Every console POST but sign-in and
sign-out changes something, so analysts get 403 on all of them here, in one place, before any
view runs.
"""

from __future__ import annotations

from flask import current_app, g, redirect, request, session, url_for
from flask_wtf.csrf import CSRFProtect

from campaigns.core.errors import DomainError, ErrorCode
from campaigns.core.services import redis_clients
from campaigns.management import users
from campaigns.web.console import sessions
from campaigns.web.extensions import db

csrf = CSRFProtect()
USER_KEY = "console_user"
SESSION_KEY = "console_session"
CSRF_SECRET_KEY = "csrf_token"  # where Flask-WTF keeps the session's CSRF secret
OPEN_ENDPOINTS = {"console.login", "console.static", "console.set_language"}
READ_ONLY_POSTS = {"console.login", "console.logout"}
# Pages that are nothing but a form to change things: an analyst is told so on opening them,
# not after filling one in (the pages they can read show them no write buttons).
WRITE_PAGES = {"console.new_campaign", "console.edit_campaign"}
MARKETERS_ONLY = "This needs the marketer role; analysts may only read."


def _idle_seconds() -> int:
    return current_app.config["CONSOLE_IDLE_SECONDS"]


def sign_in(user) -> None:
    """A new server-side session and a new CSRF secret (the one before sign-in is dropped)."""
    sign_out()
    _drop_csrf_secret()
    session.permanent = True
    session[USER_KEY] = user.id
    session[SESSION_KEY] = sessions.start(redis_clients.main, user, _idle_seconds())


def sign_out() -> None:
    """End the sign-in, if any, and with it the CSRF secret its forms were signed with (a
    browser that was never signed in keeps its own, so its login form still works)."""
    if USER_KEY in session or SESSION_KEY in session:
        _drop_csrf_secret()
    sessions.end(redis_clients.main, session.pop(SESSION_KEY, None))
    session.pop(USER_KEY, None)


def _drop_csrf_secret() -> None:
    session.pop(CSRF_SECRET_KEY, None)
    g.pop(CSRF_SECRET_KEY, None)  # Flask-WTF's token of the old secret, cached for this context


def _signed_in_user():
    """The user of a live server-side session of this cookie, else None."""
    held = sessions.user_id_of(redis_clients.main, session.get(SESSION_KEY), _idle_seconds())
    if held is None or held[0] != session.get(USER_KEY):
        return None
    user = users.active_user(db.session, held[0])
    if user is None or sessions.password_fingerprint(user) != held[1]:
        return None
    return user


def before_request():
    """Blueprint hook: CSRF on every form, then the login, its idle expiry and the role."""
    if request.method == "POST":
        csrf.protect()
    if request.endpoint in OPEN_ENDPOINTS:
        return None
    user = _signed_in_user()
    if user is None:
        expired = USER_KEY in session
        sign_out()
        return redirect(url_for("console.login", next=request.full_path, expired=int(expired)))
    g.console_user = user
    writes = request.method == "POST" and request.endpoint not in READ_ONLY_POSTS
    if user.role != "marketer" and (writes or request.endpoint in WRITE_PAGES):
        raise DomainError(ErrorCode.FORBIDDEN, MARKETERS_ONLY)
    return None


def actor_name() -> str:
    """Who the audit log names for a console change."""
    return f"user:{g.console_user.username}"
