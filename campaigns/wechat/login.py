"""WeChat web authorization (snsapi_base) as plain functions: the browser's openid comes only
from WeChat's code exchange, never from a request field (SPEC invariant 5).

A round trip's ``state`` is random, kept in the browser's signed session and in Redis with a
TTL; the callback must bring back the same state, and its Redis entry is consumed (GETDEL), so a
state (and the code that came with it) works once.
"""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import urlsplit

import requests
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from wechatpy.exceptions import WeChatOAuthException

from campaigns.clock import utc_naive
from campaigns.models import Player
from campaigns.wechat import keys
from campaigns.wechat.clients import ConfiguredOAuth
from campaigns.wechat.config import WeChatSettings

STATE_TTL_SECONDS = 600


class LoginRefused(Exception):
    """A bad, expired or replayed state or code: the person should start again."""


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


def start(redis, settings: WeChatSettings, next_path: str, redirect_uri: str) -> tuple[str, str]:
    """A new state bound to ``next_path``; returns (state, WeChat's authorize URL)."""
    if not is_local_path(next_path):
        raise LoginRefused("The page to return to must be a path on this site.")
    state = secrets.token_urlsafe(24)
    redis.set(keys.oauth_state(state), next_path, ex=STATE_TTL_SECONDS)
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
) -> tuple[Player, str]:
    """Check the state, exchange the code; returns (the player, the local path to return to)."""
    if not state or not any(hmac.compare_digest(state, known) for known in browser_states):
        raise LoginRefused("This sign-in link does not belong to this browser.")
    next_path = redis.getdel(keys.oauth_state(state))
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
