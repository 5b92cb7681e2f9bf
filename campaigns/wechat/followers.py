"""Whether a player follows the account, as WeChat says: ``cgi-bin/user/info``'s ``subscribe``.

On a real account almost every follower followed before this server was deployed, so the follow
events it received cannot say who follows; WeChat can. Its answer is kept per openid in the
counters Redis (the play path's own, where a later all-Redis play script could read it) for
``WECHAT_FOLLOW_CACHE_SECONDS``, so a hit costs the play one GET and a player costs WeChat one
call a minute at most. The subscribe and unsubscribe events the callback receives overwrite it
at once, so an unfollow refuses the very next play. When WeChat cannot be reached or answers an
error the status is unknown (None): the play answers 503, never a wrong ``not_following``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import requests
from wechatpy.exceptions import WeChatClientException

from campaigns.core import services
from campaigns.core.services import redis_clients
from campaigns.wechat import keys
from campaigns.wechat.clients import current_client

FOLLOWING = b"1"
NOT_FOLLOWING = b"0"

logger = logging.getLogger(__name__)


class FollowStatus:
    """Follow status by openid: the Redis cache first, WeChat on a miss.

    ``client`` makes wechatpy's client; it is called only on a miss, so a hit builds nothing."""

    def __init__(self, redis, client: Callable, ttl_seconds: int):
        self.redis = redis
        self.client = client
        self.ttl = ttl_seconds

    def of(self, openid: str) -> bool | None:
        """True or False as WeChat (or a newer event) says; None when WeChat cannot say now."""
        cached = self.redis.get(keys.follows(openid))
        if cached is not None:
            return cached == FOLLOWING
        try:
            answer = self.client().user.get(openid)
        except (WeChatClientException, requests.RequestException) as exc:
            # The type and WeChat's code only: a failed token fetch's text holds the app secret.
            errcode = getattr(exc, "errcode", None)
            logger.warning("user/info unavailable: %s (errcode %s)", type(exc).__name__, errcode)
            return None
        subscribe = answer.get("subscribe") if isinstance(answer, dict) else None
        if subscribe not in (0, 1):  # not WeChat's JSON (a proxy's error page?): unknown
            logger.warning("user/info answered without a subscribe flag")
            return None
        # NX: an event heard while WeChat was being asked is newer than this answer; keep it.
        self._store(openid, subscribe == 1, only_if_absent=True)
        return subscribe == 1

    def heard(self, openid: str, following: bool) -> None:
        """A subscribe or unsubscribe event: what WeChat would now say, without asking it."""
        self._store(openid, following, only_if_absent=False)

    def _store(self, openid: str, following: bool, only_if_absent: bool) -> None:
        value = FOLLOWING if following else NOT_FOLLOWING
        self.redis.set(keys.follows(openid), value, ex=self.ttl, nx=only_if_absent)


def current() -> FollowStatus:
    """The app's follow status: its counters Redis, its WeChat client, its cache time."""
    return FollowStatus(
        redis_clients.counters,
        current_client,
        services.settings()["WECHAT_FOLLOW_CACHE_SECONDS"],
    )
