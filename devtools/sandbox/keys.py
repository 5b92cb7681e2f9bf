"""Every Redis key of the sandbox (in its own database: devtools/sandbox/config.py).

All start with ``wxsb:``, so a reset can find and remove exactly the sandbox's keys even when
``SANDBOX_REDIS_URL`` points at a database shared with something else.
"""

from __future__ import annotations

PREFIX = "wxsb:"
ALL = f"{PREFIX}*"

CALLS = f"{PREFIX}calls"  # the call log, newest first
FOLLOWERS = f"{PREFIX}followers"  # hash: openid -> JSON of what user/info tells about them
MENU = f"{PREFIX}menu"  # the custom menu as menu/create was sent it (JSON)
QR_CODES = f"{PREFIX}qr"  # hash: ticket -> JSON {scene, action_name, created}
MSGID = f"{PREFIX}msgid"
# hash: "<openid> <template id>" -> "accept" or "reject": who accepted which subscription notice
SUBSCRIPTIONS = f"{PREFIX}subscriptions"
REDPACKS = f"{PREFIX}redpacks"  # hash: mch_billno -> JSON of the red packet paid under it
SEEDED = f"{PREFIX}seeded"  # set once the start state is in: a restart keeps the state


def failures(endpoint: str) -> str:
    return f"{PREFIX}fail:{endpoint}"


def redpacks_today(openid: str, day: str) -> str:
    """Red packets paid to one openid on one day (WeChat's per-user daily count)."""
    return f"{PREFIX}redpacks:{openid}:{day}"


def token(value: str) -> str:
    return f"{PREFIX}token:{value}"


def code(value: str) -> str:
    return f"{PREFIX}code:{value}"


def jsapi_ticket(value: str) -> str:
    return f"{PREFIX}jsapi:{value}"


def last_event(openid: str) -> str:
    """The CreateTime of the phone's last event for an openid (kept strictly increasing)."""
    return f"{PREFIX}last-event:{openid}"
