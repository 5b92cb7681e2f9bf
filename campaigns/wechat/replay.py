"""A signed callback URL is good for one message.

In plain mode WeChat's signature covers only the token, timestamp and nonce, not the body: a URL
captured from a proxy log would otherwise carry any message for the whole freshness window
(inbox.TIMESTAMP_WINDOW_SECONDS). So each (timestamp, nonce) is remembered in Redis for the
window, bound to the message it first carried; another message under it is refused. The same
message again is WeChat retrying, which callback dedupe (dedupe.py) answers with the first reply.
Safe mode (encrypted, with msg_signature over the body) closes this in WeChat's own protocol.
"""

from __future__ import annotations

from campaigns.core.errors import DomainError, ErrorCode
from campaigns.wechat import dedupe
from campaigns.wechat.keys import PREFIX


def _key(timestamp: str, nonce: str) -> str:
    return f"{PREFIX}wx:signed:{timestamp}:{nonce}"


def claim_signature(redis, timestamp: str, nonce: str, message, window_seconds: int) -> None:
    """Bind this signature to ``message``; 403 if it already carried another one."""
    carried = dedupe.message_key(message).encode()
    key = _key(timestamp, nonce)
    # Both sides of the window: a timestamp up to the window ahead is accepted too.
    if redis.set(key, carried, nx=True, ex=2 * window_seconds + 1):
        return
    if redis.get(key) != carried:
        message_text = "This signature was already used for another message (a replay?)."
        raise DomainError(ErrorCode.FORBIDDEN, message_text, {"signature": [message_text]})
