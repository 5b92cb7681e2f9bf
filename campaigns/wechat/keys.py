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


def follows(openid: str) -> str:
    """Whether ``openid`` follows the account: ``1`` or ``0``, as WeChat's user/info last said or
    a follow event told, for a short TTL (campaigns/wechat/followers.py). A plain string under a
    name built only here, so a Lua script handed this key in KEYS reads it with one GET. It is
    per account, not per campaign, so on a Redis Cluster it has its own slot: a script working on
    a campaign's keys there takes its value as an argument instead."""
    return f"{PREFIX}wx:follows:{openid}"


def follower_check(campaign_id: int) -> str:
    """WeChat's last word on a campaign's new followers (reports/follower_check.py), JSON."""
    return f"{PREFIX}wx:follower-check:{campaign_id}"


def follower_check_asked(campaign_id: int) -> str:
    """Set while a check of the campaign's new followers is queued (one at a time)."""
    return f"{PREFIX}wx:follower-check-asked:{campaign_id}"
