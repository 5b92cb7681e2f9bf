"""One inbound callback message: decrypt, parse, dedupe, handle, and render the reply.

Kept apart from the view so tests and the sandbox can see exactly what a message does; the view
only reads the HTTP request and turns errors into responses.
"""

from __future__ import annotations

from xml.parsers.expat import ExpatError

from wechatpy import parse_message
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException
from wechatpy.utils import check_signature

from campaigns.errors import DomainError, ErrorCode
from campaigns.wechat import dedupe, handlers, keys
from campaigns.wechat.clients import message_crypto
from campaigns.wechat.config import WeChatSettings

FORBIDDEN_MARKUP = (b"<!doctype", b"<!entity")


def verify_signature(settings: WeChatSettings, signature, timestamp, nonce) -> None:
    if not (signature and timestamp and nonce):
        raise _forbidden("Missing signature, timestamp or nonce.")
    try:
        check_signature(settings.token, signature, timestamp, nonce)
    except InvalidSignatureException:
        raise _forbidden("The signature does not match.") from None


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
        else:
            xml = body.decode("utf-8")
        message = parse_message(xml)
    except InvalidSignatureException:
        raise _forbidden("The message signature does not match.") from None
    except (ExpatError, KeyError, TypeError, ValueError, AttributeError, InvalidAppIdException):
        raise _bad("The body is not a WeChat XML message.") from None
    if message is None or not message.source:
        raise _bad("The body is not a WeChat XML message.")
    return message, encrypted


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
