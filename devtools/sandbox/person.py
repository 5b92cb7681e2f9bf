"""The one person a browser plays in the sandbox: the phone page shows and changes them, the
OAuth page approves as them, so whoever followed and scanned on the phone is who plays.

Kept in a cookie of the sandbox's own (a cookie is not scoped by port, so the name must not be
the app's ``session``); the app never reads it: its player still comes only from the code
exchange.
"""

from __future__ import annotations

import secrets

from devtools.sandbox.events import OPENID

COOKIE = "wxsandbox_person"
MAX_AGE = 365 * 24 * 3600


def of(cookies) -> str | None:
    """The browser's person, if it has a well-formed one."""
    openid = cookies.get(COOKIE) or ""
    return openid if OPENID.match(openid) else None


def new() -> str:
    return "o-phone-" + secrets.token_hex(6)


def remember(response, openid: str):
    response.set_cookie(COOKIE, openid, max_age=MAX_AGE, httponly=True, samesite="Lax")
    return response
