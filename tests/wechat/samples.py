"""WeChat callback XML as WeChat's documentation shows it, and WeChat's way of signing it,
written out independently of the server's code."""

from __future__ import annotations

import hashlib
import secrets
import time
from urllib.parse import urlencode

import xmltodict
from wechatpy.crypto import WeChatCrypto

TOKEN = "sandbox-token"
APP_ID = "wx-sandbox-app"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"  # 43 characters, as WeChat issues


def text(openid: str, content: str, msg_id: int, at: int = 1348831860) -> str:
    return f"""<xml><ToUserName><![CDATA[gh_123456789abc]]></ToUserName>
<FromUserName><![CDATA[{openid}]]></FromUserName><CreateTime>{at}</CreateTime>
<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{content}]]></Content>
<MsgId>{msg_id}</MsgId></xml>"""


def event(openid: str, name: str, key: str | None = None, at: int = 1348831860, **extra) -> str:
    key_xml = f"<EventKey><![CDATA[{key}]]></EventKey>" if key is not None else ""
    extra_xml = "".join(f"<{k}><![CDATA[{v}]]></{k}>" for k, v in extra.items())
    return f"""<xml><ToUserName><![CDATA[gh_123456789abc]]></ToUserName>
<FromUserName><![CDATA[{openid}]]></FromUserName><CreateTime>{at}</CreateTime>
<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[{name}]]></Event>{key_xml}{extra_xml}
</xml>"""


def now() -> str:
    """WeChat signs with its current time; the callback refuses stale timestamps."""
    return str(int(time.time()))


def signature(token: str, timestamp: str, nonce: str, *extra: str) -> str:
    return hashlib.sha1("".join(sorted([token, timestamp, nonce, *extra])).encode()).hexdigest()


def new_nonce() -> str:
    """A fresh nonce, as WeChat sends with every request: a signature carries one message."""
    return secrets.token_hex(8)


def plain_request(xml: str, timestamp: str | None = None, nonce: str | None = None):
    timestamp, nonce = timestamp or now(), nonce or new_nonce()
    query = {
        "signature": signature(TOKEN, timestamp, nonce),
        "timestamp": timestamp,
        "nonce": nonce,
    }
    return "/wechat?" + urlencode(query), xml.encode()


def safe_request(xml: str, timestamp: str | None = None, nonce: str | None = None):
    timestamp, nonce = timestamp or now(), nonce or new_nonce()
    crypto = WeChatCrypto(TOKEN, AES_KEY, APP_ID)
    sealed = xmltodict.parse(crypto.encrypt_message(xml, nonce, timestamp))["xml"]
    query = {
        "signature": signature(TOKEN, timestamp, nonce),
        "timestamp": timestamp,
        "nonce": nonce,
        "encrypt_type": "aes",
        "msg_signature": sealed["MsgSignature"],
    }
    body = (
        "<xml><ToUserName><![CDATA[gh_123456789abc]]></ToUserName>"
        f"<Encrypt><![CDATA[{sealed['Encrypt']}]]></Encrypt></xml>"
    )
    return "/wechat?" + urlencode(query), body.encode()


def open_safe_reply(body: str) -> str:
    sealed = xmltodict.parse(body)["xml"]
    crypto = WeChatCrypto(TOKEN, AES_KEY, APP_ID)
    return crypto.decrypt_message(
        body, sealed["MsgSignature"], sealed["TimeStamp"], sealed["Nonce"]
    )
