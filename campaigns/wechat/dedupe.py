"""Each callback message is handled once: WeChat retries a message it got no answer to within
5 seconds (three tries), and a retry must neither store a second event nor answer differently.

The first delivery claims the message's key with SET NX and a TTL, then stores its reply there;
a retry finds the key and gets the same reply (or an empty one while the first is still running).
"""

from __future__ import annotations

TTL_SECONDS = 300  # WeChat's three tries span about 15 seconds
IN_PROGRESS = b"\x00in-progress"


def message_key(message) -> str:
    """MsgId for messages; sender, CreateTime and event for events (which carry no MsgId).

    The event name is part of the key so two different events of one follower in one second
    (a follow, then a menu tap) stay two events; a retry repeats all three fields.
    """
    if message.id:
        return f"id:{message.id}"
    return f"ev:{message.source}:{message.time}:{kind(message)}"


def kind(message) -> str:
    """The event's name, or the message's type. wechatpy parses events it has no class for
    (the subscription notice events) as ``UnknownMessage``; their name is in ``Event``."""
    event = getattr(message, "event", None)
    if event:
        return event
    if message.type == "unknown":
        named = message._data.get("Event")
        if isinstance(named, str) and named:
            return named.lower()
    return message.type


def claim(redis, key: str) -> tuple[bool, str | None]:
    """(True, None) for the first delivery; (False, stored reply or None) for a repeat."""
    if redis.set(key, IN_PROGRESS, nx=True, ex=TTL_SECONDS):
        return True, None
    stored = redis.get(key)
    if stored is None or stored == IN_PROGRESS:
        return False, None
    return False, stored.decode()


def remember(redis, key: str, reply: str) -> None:
    redis.set(key, reply, ex=TTL_SECONDS)


def forget(redis, key: str) -> None:
    """The first delivery failed: let WeChat's retry handle the message afresh."""
    redis.delete(key)
