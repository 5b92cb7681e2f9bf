"""WeChat web authorization (snsapi_base) as plain functions: the browser's openid comes only
from WeChat's code exchange, never from a request field (SPEC invariant 5).

A round trip's ``state`` is random, kept in the browser's signed session and in Redis with a
TTL; the callback must bring back the same state, and its Redis entry is consumed (GETDEL), so a
state (and the code that came with it) works once.

Starting is not counted per IP: a venue's crowd shares one. What a script could abuse is memory,
so one client may hold only so many unfinished states at once (each leaves that client's
pending set when its callback comes back, or when it expires); over that, ``start`` refuses with
the seconds until the oldest lapses. Failed callbacks are counted by the view's rate limit.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from wechatpy.exceptions import WeChatOAuthException

from campaigns.core.clock import utc_naive
from campaigns.models import Player
from campaigns.wechat import keys
from campaigns.wechat.clients import ConfiguredOAuth
from campaigns.wechat.config import WeChatSettings

# KEYS: the client's pending set, the state. ARGV: state, next path, TTL, cap. Returns 0 when
# the state was stored, else the seconds until the client's oldest unfinished state lapses.
_START = """
local now = tonumber(redis.call('TIME')[1])
local ttl = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[4]) then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return math.max(1, tonumber(oldest[2]) - now)
end
redis.call('ZADD', KEYS[1], now + ttl, ARGV[1])
redis.call('EXPIRE', KEYS[1], ttl)
redis.call('SET', KEYS[2], ARGV[2], 'EX', ttl)
return 0
"""


@dataclass(frozen=True)
class Pending:
    """How long a started sign-in may take, and how many one client may leave unfinished."""

    ttl_seconds: int
    per_client: int


class LoginRefused(Exception):
    """A bad, expired or replayed state or code: the person should start again."""


class TooManyPending(Exception):
    """The client holds as many unfinished sign-ins as it may: retry after ``retry_after``."""

    def __init__(self, retry_after: int):
        super().__init__(f"too many unfinished sign-ins; retry in {retry_after}s")
        self.retry_after = retry_after


class LoginUnavailable(Exception):
    """WeChat could not be reached: the person should retry later."""


def is_local_path(path: str | None) -> bool:
    """Only a path on this site may be returned to (no open redirect)."""
    if not path or not path.startswith("/") or path.startswith("//") or "\\" in path:
        return False
    if any(ord(char) < 0x20 for char in path):
        return False
    parts = urlsplit(path)
    return not parts.scheme and not parts.netloc


def start(
    redis,
    settings: WeChatSettings,
    next_path: str,
    redirect_uri: str,
    client: str,
    pending: Pending,
) -> tuple[str, str]:
    """A new state bound to ``next_path``, one of ``client``'s unfinished sign-ins; returns
    (state, WeChat's authorize URL)."""
    if not is_local_path(next_path):
        raise LoginRefused("The page to return to must be a path on this site.")
    state = secrets.token_urlsafe(24)
    wait = redis.eval(
        _START,
        2,
        keys.oauth_pending(client),
        keys.oauth_state(state),
        state,
        next_path,
        pending.ttl_seconds,
        pending.per_client,
    )
    if wait:
        raise TooManyPending(int(wait))
    return state, ConfiguredOAuth(settings, redirect_uri, state).authorize_url


def finish(
    session,
    redis,
    settings: WeChatSettings,
    clock,
    state: str | None,
    browser_states: list[str],
    code: str | None,
    redirect_uri: str,
    client: str,
) -> tuple[Player, str]:
    """Check the state, exchange the code; returns (the player, the local path to return to).
    The state leaves ``client``'s unfinished ones (a phone that changed IP on the way leaves it
    to lapse where it started)."""
    if not state or not any(hmac.compare_digest(state, known) for known in browser_states):
        raise LoginRefused("This sign-in link does not belong to this browser.")
    pipe = redis.pipeline()
    pipe.getdel(keys.oauth_state(state))
    pipe.zrem(keys.oauth_pending(client), state)
    next_path, _ = pipe.execute()
    if next_path is None:
        raise LoginRefused("This sign-in link has expired or was already used.")
    if not code:
        raise LoginRefused("WeChat did not approve the sign-in.")
    try:
        openid = ConfiguredOAuth(settings, redirect_uri).fetch_access_token(code)["openid"]
    except WeChatOAuthException as exc:
        if exc.errcode is None:
            raise LoginUnavailable(str(exc)) from exc
        raise LoginRefused("WeChat refused the sign-in code.") from exc
    except (requests.RequestException, KeyError, ValueError) as exc:
        raise LoginUnavailable(str(exc)) from exc
    return upsert_player(session, openid, clock), next_path.decode()


def upsert_player(session, openid: str, clock) -> Player:
    player = session.scalar(select(Player).where(Player.openid == openid))
    if player is not None:
        return player
    try:
        player = Player(openid=openid, created_at=utc_naive(clock.now()))
        session.add(player)
        session.commit()
        return player
    except IntegrityError:  # the same person signing in from two tabs at once
        session.rollback()
        return session.scalar(select(Player).where(Player.openid == openid))
