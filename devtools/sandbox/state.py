"""The sandbox's memory, all in its own Redis database (shared by its processes and threads):
what a real WeChat knows of the account. Issued tokens, codes and tickets; the QR codes it
made, with their scenes; the followers; the custom menu; the call log and injected failures.

Nothing here comes from the app's database: the sandbox knows only what it was told.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time

from flask import current_app

from devtools.sandbox import keys, start_state

LOG_LENGTH = 200
TOKEN_TTL = 7200
CODE_TTL = 300
FAILURE_MODES = ("busy", "40001", "42001", "43004", "43101", "45009", "timeout", "delay")
# WeChat Pay's red packet (devtools/sandbox/pay.py): SYSTEMERROR before paying, SYSTEMERROR after
# paying (the outcome the caller cannot tell apart), and refusals that stand.
PAY_FAILURE_MODES = ("SYSTEMERROR", "PAID_SYSTEMERROR", "NOTENOUGH", "SENDNUM_LIMIT")


def store():
    """The sandbox app's Redis client."""
    return current_app.extensions["sandbox_redis"]


# -- the start state -------------------------------------------------------------------------


def ensure_seeded(redis) -> None:
    """Put the start state in unless it already is (a restart keeps followers and menu as they
    are). One transaction watching the marker, so processes starting at once seed it once."""

    def seed(pipe) -> None:
        if pipe.exists(keys.SEEDED):
            return
        pipe.multi()
        pipe.hset(
            keys.FOLLOWERS,
            mapping={
                openid: json.dumps(start_state.before_follower(i))
                for i, openid in enumerate(start_state.BEFORE_FOLLOWERS)
            },
        )
        pipe.set(keys.MENU, json.dumps(start_state.BRAND_MENU, ensure_ascii=False))
        pipe.set(keys.SEEDED, 1)

    redis.transaction(seed, keys.SEEDED)


def reset(redis) -> None:
    """Forget everything (calls, failures, codes, tokens, QR codes, follows) and start again."""
    batch = []
    for key in redis.scan_iter(match=keys.ALL, count=500):
        batch.append(key)
        if len(batch) == 500:
            redis.delete(*batch)
            batch.clear()
    if batch:
        redis.delete(*batch)
    ensure_seeded(redis)


# -- the call log and failure injection ------------------------------------------------------


def record_call(redis, entry: dict) -> None:
    """Newest first, capped."""
    pipe = redis.pipeline()
    pipe.lpush(keys.CALLS, json.dumps(entry, ensure_ascii=False))
    pipe.ltrim(keys.CALLS, 0, LOG_LENGTH - 1)
    pipe.execute()


def calls(redis, endpoint: str | None = None) -> list[dict]:
    entries = [json.loads(raw) for raw in redis.lrange(keys.CALLS, 0, -1)]
    return [e for e in entries if endpoint is None or e["endpoint"] == endpoint]


def clear_calls(redis) -> None:
    redis.delete(keys.CALLS)


def inject_failures(redis, endpoint: str, mode: str, times: int, seconds: float) -> None:
    entry = json.dumps({"mode": mode, "seconds": seconds})
    redis.rpush(keys.failures(endpoint), *([entry] * times))


def take_failure(redis, endpoint: str) -> dict | None:
    raw = redis.lpop(keys.failures(endpoint))
    return json.loads(raw) if raw else None


# -- credentials -----------------------------------------------------------------------------


def issue_token(redis) -> str:
    token = secrets.token_urlsafe(32)
    redis.set(keys.token(token), 1, ex=TOKEN_TTL)
    return token


def token_valid(redis, token: str | None) -> bool:
    return bool(token) and redis.exists(keys.token(token)) == 1


def issue_code(redis, openid: str) -> str:
    code = secrets.token_urlsafe(16)
    redis.set(keys.code(code), openid, ex=CODE_TTL)
    return code


def redeem_code(redis, code: str | None) -> str | None:
    """A code works once, within five minutes."""
    if not code:
        return None
    openid = redis.getdel(keys.code(code))
    return openid.decode() if openid else None


def issue_jsapi_ticket(redis) -> str:
    ticket = secrets.token_urlsafe(24)
    redis.set(keys.jsapi_ticket(ticket), 1, ex=TOKEN_TTL)
    return ticket


# -- QR codes --------------------------------------------------------------------------------


def ticket_for(redis, scene: str, action_name: str = "QR_LIMIT_STR_SCENE") -> str:
    """A permanent code: the same scene always gets the same ticket. Remembered with its scene,
    so the phone can list the codes there are to scan."""
    ticket = hashlib.sha256(f"sandbox-qr:{scene}".encode()).hexdigest()[:32]
    entry = {"scene": scene, "action_name": action_name, "created": int(time.time())}
    redis.hsetnx(keys.QR_CODES, ticket, json.dumps(entry))
    return ticket


def scene_of(redis, ticket: str | None) -> str | None:
    raw = redis.hget(keys.QR_CODES, ticket or "")
    return json.loads(raw)["scene"] if raw else None


def qr_codes(redis) -> list[dict]:
    """Every code issued, oldest first: ``{"ticket", "scene", "action_name", "created"}``."""
    entries = [
        {"ticket": ticket.decode(), **json.loads(raw)}
        for ticket, raw in redis.hgetall(keys.QR_CODES).items()
    ]
    return sorted(entries, key=lambda e: (e["created"], e["scene"]))


# -- followers -------------------------------------------------------------------------------


def follow(redis, openid: str, scene: str | None = None) -> None:
    """``openid`` follows now, through a QR code's ``scene`` or not (a search)."""
    info = {
        "subscribe_time": int(time.time()),
        "subscribe_scene": "ADD_SCENE_QR_CODE" if scene else "ADD_SCENE_SEARCH",
        "qr_scene_str": scene or "",
    }
    redis.hset(keys.FOLLOWERS, openid, json.dumps(info))


def unfollow(redis, openid: str) -> None:
    redis.hdel(keys.FOLLOWERS, openid)


def follower(redis, openid: str) -> dict | None:
    """What WeChat knows of a follower (None for someone who does not follow)."""
    raw = redis.hget(keys.FOLLOWERS, openid)
    return json.loads(raw) if raw else None


def followers(redis, openids: list[str]) -> list[dict | None]:
    raws = redis.hmget(keys.FOLLOWERS, openids) if openids else []
    return [json.loads(raw) if raw else None for raw in raws]


def is_follower(redis, openid: str) -> bool:
    return redis.hexists(keys.FOLLOWERS, openid) == 1


def follower_count(redis) -> int:
    return redis.hlen(keys.FOLLOWERS)


# -- subscription notices (订阅通知) -----------------------------------------------------------


def set_subscription(redis, openid: str, template_id: str, accepted: bool) -> None:
    """What the person answered the popup (or turned off since), as WeChat keeps it."""
    redis.hset(keys.SUBSCRIPTIONS, f"{openid} {template_id}", "accept" if accepted else "reject")


def subscribed(redis, openid: str, template_id: str) -> bool:
    """Whether bizsend may reach ``openid`` with ``template_id`` (accepted, not turned off)."""
    return redis.hget(keys.SUBSCRIPTIONS, f"{openid} {template_id}") == b"accept"


def subscriptions(redis, openid: str) -> dict[str, str]:
    """The person's answers by template id."""
    prefix = f"{openid} "
    return {
        key.decode()[len(prefix) :]: value.decode()
        for key, value in redis.hgetall(keys.SUBSCRIPTIONS).items()
        if key.decode().startswith(prefix)
    }


# -- messages --------------------------------------------------------------------------------


def next_msgid(redis) -> int:
    return 2_000_000_000 + redis.incr(keys.MSGID)


_NEXT_TIME = """
local t = math.max(tonumber(ARGV[1]), tonumber(redis.call('GET', KEYS[1]) or '0') + 1)
redis.call('SET', KEYS[1], t, 'EX', 3600)
return t
"""


def event_time(redis, openid: str) -> int:
    """The CreateTime of a phone event: now, but strictly after the openid's previous event,
    so quick taps are distinct events to the callback's dedupe, as on a real phone."""
    return int(redis.eval(_NEXT_TIME, 1, keys.last_event(openid), int(time.time())))


# -- the custom menu -------------------------------------------------------------------------


def save_menu(redis, menu: dict) -> None:
    redis.set(keys.MENU, json.dumps(menu, ensure_ascii=False))


def load_menu(redis) -> dict | None:
    raw = redis.get(keys.MENU)
    return json.loads(raw) if raw else None


def delete_menu(redis) -> None:
    redis.delete(keys.MENU)
