"""One inbound callback message: decrypt, parse, dedupe, handle, and render the reply.

Kept apart from the view so tests and the sandbox can see exactly what a message does; the view
only reads the HTTP request and turns errors into responses.
"""

from __future__ import annotations

import time
from xml.parsers.expat import ExpatError

from wechatpy import parse_message
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException
from wechatpy.utils import check_signature

from campaigns.core.errors import DomainError, ErrorCode
from campaigns.wechat import dedupe, handlers, keys
from campaigns.wechat.clients import message_crypto
from campaigns.wechat.config import WeChatSettings

FORBIDDEN_MARKUP = (b"<!doctype", b"<!entity")
# A signed POST is accepted only this close to the server's time (either way): a captured
# request cannot be replayed later (within the window, MsgId / event dedupe answers a replay).
TIMESTAMP_WINDOW_SECONDS = 300


def verify_signature(settings: WeChatSettings, signature, timestamp, nonce) -> None:
    if not (signature and timestamp and nonce):
        raise _forbidden("Missing signature, timestamp or nonce.")
    try:
        check_signature(settings.token, signature, timestamp, nonce)
    except InvalidSignatureException:
        raise _forbidden("The signature does not match.") from None


def check_fresh(timestamp, now: float | None = None) -> None:
    """Refuse a signed request whose timestamp is outside the window (a replay or a bad clock).

    The wall clock, not the campaigns' clock: this is about when WeChat signed the request.
    """
    try:
        sent = int(timestamp)
    except (TypeError, ValueError):
        raise _forbidden("The timestamp is not a number.") from None
    if abs((time.time() if now is None else now) - sent) > TIMESTAMP_WINDOW_SECONDS:
        raise _forbidden("The timestamp is too old or in the future (a replayed request?).")


def open_body(settings: WeChatSettings, body: bytes, query: dict):
    """The parsed message of a POST body in the configured mode (plain, compatible, safe).

    DOCTYPE and ENTITY declarations are refused before any parser sees them (entity expansion
    attacks); anything unparsable is a 400, never a 500.
    """
    if any(marker in body.lower() for marker in FORBIDDEN_MARKUP):
        raise _bad("XML declarations (DOCTYPE, ENTITY) are not accepted.")
    encrypted = query.get("encrypt_type") == "aes"
    if settings.mode == "safe" and not encrypted:
        raise _bad("Safe mode accepts encrypted messages only.")
    try:
        if encrypted:
            crypto = message_crypto(settings)
            if crypto is None:
                raise _bad("Encrypted messages are not configured (WECHAT_AES_KEY).")
            xml = crypto.decrypt_message(
                body, query.get("msg_signature"), query.get("timestamp"), query.get("nonce")
            )
            if any(marker in xml.encode().lower() for marker in FORBIDDEN_MARKUP):
                raise _bad("XML declarations (DOCTYPE, ENTITY) are not accepted.")
        else:
            xml = body.decode("utf-8")
        message = parse_message(xml)
    except InvalidSignatureException:
        raise _forbidden("The message signature does not match.") from None
    except (ExpatError, KeyError, TypeError, ValueError, AttributeError, InvalidAppIdException):
        raise _bad("The body is not a WeChat XML message.") from None
    if message is None or not message.source:
        raise _bad("The body is not a WeChat XML message.")
    _check_shape(message)
    return message, encrypted


# The fields the handlers read as text, and WeChat's numeric ones (wechatpy converts those
# only when read, deep inside a handler). Other fields may nest by design (ScanCodeInfo, ...).
TEXT_FIELDS = ("ToUserName", "FromUserName", "MsgType", "Event", "EventKey", "Content")
NUMERIC_FIELDS = ("CreateTime", "MsgId", "MsgID")


def _check_shape(message) -> None:
    """A signed but malformed message (an element inside ``<Content>``,
    ``<CreateTime>abc</CreateTime>``) is a 400 here, not a 500 wherever the field is used."""
    fields = message._data  # wechatpy's parsed fields, before its lazy conversions
    for name in TEXT_FIELDS + NUMERIC_FIELDS:
        value = fields.get(name)
        if value is not None and not isinstance(value, str):
            raise _bad(f"<{name}> must hold text, not elements.")
        if name in NUMERIC_FIELDS and value is not None and not value.strip().isdigit():
            raise _bad(f"<{name}> must be a whole number.")


def receive(session, redis, clock, settings: WeChatSettings, message) -> str:
    """Handle a message once and return its rendered reply XML ("" for no reply)."""
    key = keys.message_seen(dedupe.message_key(message))
    first, stored = dedupe.claim(redis, key)
    if not first:
        return stored or ""
    try:
        reply = handlers.handle(session, clock, settings, message)
    except Exception:
        session.rollback()
        dedupe.forget(redis, key)
        raise
    rendered = reply.render() if reply is not None else ""
    dedupe.remember(redis, key, rendered)
    return rendered


def seal(settings: WeChatSettings, reply_xml: str, nonce: str, timestamp: str) -> str:
    """Encrypt a reply for a message that came encrypted."""
    return message_crypto(settings).encrypt_message(reply_xml, nonce, timestamp)


def _forbidden(message: str) -> DomainError:
    return DomainError(ErrorCode.FORBIDDEN, message, {"signature": [message]})


def _bad(message: str) -> DomainError:
    return DomainError(ErrorCode.BAD_REQUEST, message, {"body": [message]})
