"""The sandbox's memory, all in Redis (shared by the web processes): issued tokens, codes and
tickets, followers, the call log and the failures it was told to inject."""

from __future__ import annotations

import hashlib
import json
import secrets
import time

from campaigns.wechat import keys

LOG_LENGTH = 200
TOKEN_TTL = 7200
CODE_TTL = 300
FAILURE_MODES = ("busy", "40001", "42001", "43004", "43101", "45009", "timeout", "delay")


def record_call(redis, entry: dict) -> None:
    """Newest first, capped."""
    pipe = redis.pipeline()
    pipe.lpush(keys.SANDBOX_CALLS, json.dumps(entry, ensure_ascii=False))
    pipe.ltrim(keys.SANDBOX_CALLS, 0, LOG_LENGTH - 1)
    pipe.execute()


def calls(redis, endpoint: str | None = None) -> list[dict]:
    entries = [json.loads(raw) for raw in redis.lrange(keys.SANDBOX_CALLS, 0, -1)]
    return [e for e in entries if endpoint is None or e["endpoint"] == endpoint]


def clear(redis) -> None:
    redis.delete(keys.SANDBOX_CALLS)


def inject_failures(redis, endpoint: str, mode: str, times: int, seconds: float) -> None:
    entry = json.dumps({"mode": mode, "seconds": seconds})
    redis.rpush(keys.sandbox_failures(endpoint), *([entry] * times))


def take_failure(redis, endpoint: str) -> dict | None:
    raw = redis.lpop(keys.sandbox_failures(endpoint))
    return json.loads(raw) if raw else None


def issue_token(redis) -> str:
    token = secrets.token_urlsafe(32)
    redis.set(keys.sandbox_token(token), 1, ex=TOKEN_TTL)
    return token


def token_valid(redis, token: str | None) -> bool:
    return bool(token) and redis.exists(keys.sandbox_token(token)) == 1


def issue_code(redis, openid: str) -> str:
    code = secrets.token_urlsafe(16)
    redis.set(keys.sandbox_code(code), openid, ex=CODE_TTL)
    return code


def redeem_code(redis, code: str | None) -> str | None:
    """A code works once, within five minutes."""
    if not code:
        return None
    openid = redis.getdel(keys.sandbox_code(code))
    return openid.decode() if openid else None


def ticket_for(redis, scene: str) -> str:
    """A permanent code: the same scene always gets the same ticket."""
    ticket = hashlib.sha256(f"sandbox-qr:{scene}".encode()).hexdigest()[:32]
    redis.set(keys.sandbox_ticket(ticket), scene)
    return ticket


def scene_of(redis, ticket: str | None) -> str | None:
    scene = redis.get(keys.sandbox_ticket(ticket or ""))
    return scene.decode() if scene else None


def follow(redis, openid: str) -> None:
    redis.sadd(keys.SANDBOX_FOLLOWERS, openid)


def unfollow(redis, openid: str) -> None:
    redis.srem(keys.SANDBOX_FOLLOWERS, openid)


def is_follower(redis, openid: str) -> bool:
    return redis.sismember(keys.SANDBOX_FOLLOWERS, openid) == 1


def next_msgid(redis) -> int:
    return 2_000_000_000 + redis.incr(keys.SANDBOX_MSGID)


_NEXT_TIME = """
local t = math.max(tonumber(ARGV[1]), tonumber(redis.call('GET', KEYS[1]) or '0') + 1)
redis.call('SET', KEYS[1], t, 'EX', 3600)
return t
"""


def event_time(redis, openid: str) -> int:
    """The CreateTime of a phone event: now, but strictly after the openid's previous event,
    so quick taps are distinct events to the callback's dedupe, as on a real phone."""
    return int(redis.eval(_NEXT_TIME, 1, keys.sandbox_last_event(openid), int(time.time())))


def save_menu(redis, menu: dict) -> None:
    redis.set(keys.SANDBOX_MENU, json.dumps(menu, ensure_ascii=False))


def load_menu(redis) -> dict | None:
    raw = redis.get(keys.SANDBOX_MENU)
    return json.loads(raw) if raw else None


def delete_menu(redis) -> None:
    redis.delete(keys.SANDBOX_MENU)


def issue_jsapi_ticket(redis) -> str:
    ticket = secrets.token_urlsafe(24)
    redis.set(keys.sandbox_jsapi_ticket(ticket), 1, ex=TOKEN_TTL)
    return ticket
