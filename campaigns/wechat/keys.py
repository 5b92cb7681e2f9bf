"""Every Redis key outside the draw engine's campaign keys (those are in campaigns/draw/keys.py).

All start with ``cg:`` so they share one namespace with the rest of the server and never collide
with RQ's ``rq:`` keys.
"""

from __future__ import annotations

PREFIX = "cg:"

# wechatpy's RedisStorage prefix: the access token and the JS-SDK ticket, shared by processes.
WECHATPY_SESSION = f"{PREFIX}wx:session"


def message_seen(message_key: str) -> str:
    """One callback message (MsgId, or sender + time + event), for dedupe; holds its reply."""
    return f"{PREFIX}wx:msg:{message_key}"


def oauth_state(state: str) -> str:
    """A pending OAuth round trip: single use, holds the local path to return to."""
    return f"{PREFIX}wx:oauth:{state}"


def oauth_pending(client: str) -> str:
    """The unfinished OAuth round trips of one client (IP): states scored by their expiry."""
    return f"{PREFIX}wx:oauth-pending:{client}"


def notice_lock(win_id: int) -> str:
    """The lease of the worker sending a win's notice."""
    return f"{PREFIX}wx:notice-lock:{win_id}"


def campaign_qr(campaign_id: int) -> str:
    """The ticket and URL of a campaign's permanent parametric QR code."""
    return f"{PREFIX}wx:qr:{campaign_id}"


# -- the sandbox (only used when WECHAT_SANDBOX is on) ---------------------------------------

SANDBOX_CALLS = f"{PREFIX}sandbox:calls"
SANDBOX_FOLLOWERS = f"{PREFIX}sandbox:followers"
SANDBOX_MENU = f"{PREFIX}sandbox:menu"
SANDBOX_MSGID = f"{PREFIX}sandbox:msgid"


def sandbox_failures(endpoint: str) -> str:
    return f"{PREFIX}sandbox:fail:{endpoint}"


def sandbox_token(token: str) -> str:
    return f"{PREFIX}sandbox:token:{token}"


def sandbox_code(code: str) -> str:
    return f"{PREFIX}sandbox:code:{code}"


def sandbox_ticket(ticket: str) -> str:
    return f"{PREFIX}sandbox:qr:{ticket}"


def sandbox_jsapi_ticket(ticket: str) -> str:
    return f"{PREFIX}sandbox:jsapi:{ticket}"


def sandbox_last_event(openid: str) -> str:
    """The CreateTime of the phone's last event for an openid (kept strictly increasing)."""
    return f"{PREFIX}sandbox:last-event:{openid}"
