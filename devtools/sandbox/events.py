"""What the sandbox's phone sends: WeChat's XML for a follower's action, signed with the
callback token (and in compatible/safe mode encrypted with the EncodingAESKey, with
msg_signature) exactly as WeChat does, POSTed to the account's callback URL (the app's
``/wechat``); and the reply read back as the phone shows it."""

from __future__ import annotations

import re
import secrets
import time
from urllib.parse import urlencode
from xml.parsers.expat import ExpatError

import requests
import xmltodict
from wechatpy.crypto import WeChatCrypto
from wechatpy.utils import WeChatSigner

from devtools.sandbox.config import SandboxSettings

OPENID = re.compile(r"^o[A-Za-z0-9_-]{5,63}$")
ACCOUNT = "gh_sandbox0001"  # the Official Account's original id, as ToUserName


def _cdata(value: str) -> str:
    if "]]>" in value:
        raise ValueError("text may not contain ]]>")
    return f"<![CDATA[{value}]]>"


def message_xml(openid: str, create_time: int, msg_type: str, **fields) -> str:
    """``<xml>`` with WeChat's common fields then ``fields`` (str values in CDATA)."""
    parts = [
        f"<ToUserName>{_cdata(ACCOUNT)}</ToUserName>",
        f"<FromUserName>{_cdata(openid)}</FromUserName>",
        f"<CreateTime>{create_time}</CreateTime>",
        f"<MsgType>{_cdata(msg_type)}</MsgType>",
    ]
    for name, value in fields.items():
        if value is None:
            continue
        inner = str(value) if isinstance(value, int) else _cdata(value)
        parts.append(f"<{name}>{inner}</{name}>")
    return "<xml>" + "".join(parts) + "</xml>"


def event_xml(openid: str, create_time: int, event: str, key: str | None = None, **extra) -> str:
    return message_xml(openid, create_time, "event", Event=event, EventKey=key, **extra)


def text_xml(openid: str, create_time: int, content: str, msg_id: int) -> str:
    return message_xml(openid, create_time, "text", Content=content, MsgId=msg_id)


def template_report_xml(openid: str, create_time: int, msgid: int) -> str:
    return message_xml(
        openid, create_time, "event", Event="TEMPLATESENDJOBFINISH", MsgID=msgid, Status="success"
    )


def subscription_xml(openid: str, create_time: int, event: str, answers: list[tuple]) -> str:
    """A subscription notice event: ``subscribe_msg_popup_event`` (the popup's answers,
    ``(template id, "accept" | "reject")``, PopupScene 1: from an H5 page) or
    ``subscribe_msg_change_event`` (turned off in WeChat: rejects only), WeChat's XML."""
    element = (
        "SubscribeMsgPopupEvent"
        if event == "subscribe_msg_popup_event"
        else ("SubscribeMsgChangeEvent")
    )
    scene = "<PopupScene>1</PopupScene>" if event == "subscribe_msg_popup_event" else ""
    entries = "".join(
        f"<List><TemplateId>{_cdata(template)}</TemplateId>"
        f"<SubscribeStatusString>{_cdata(status)}</SubscribeStatusString>{scene}</List>"
        for template, status in answers
    )
    xml = message_xml(openid, create_time, "event", Event=event)
    return xml.replace("</xml>", f"<{element}>{entries}</{element}></xml>")


def sign(settings: SandboxSettings, xml: str) -> tuple[dict, str]:
    """The query string and body WeChat would POST for ``xml`` in the configured mode."""
    timestamp, nonce = str(int(time.time())), secrets.token_hex(8)
    signer = WeChatSigner()
    signer.add_data(settings.token, timestamp, nonce)
    query = {"signature": signer.signature, "timestamp": timestamp, "nonce": nonce}
    if settings.mode == "plain" or not settings.aes_key:
        return query, xml
    crypto = WeChatCrypto(settings.token, settings.aes_key, settings.app_id)
    sealed = xmltodict.parse(crypto.encrypt_message(xml, nonce, timestamp))["xml"]
    query.update(encrypt_type="aes", msg_signature=sealed["MsgSignature"])
    encrypt = f"<Encrypt>{_cdata(sealed['Encrypt'])}</Encrypt>"
    if settings.mode == "compatible":  # plaintext and ciphertext side by side
        return query, xml.replace("</xml>", encrypt + "</xml>")
    return query, f"<xml><ToUserName>{_cdata(ACCOUNT)}</ToUserName>{encrypt}</xml>"


def open_reply(settings: SandboxSettings, reply: str) -> str:
    """The plaintext of the callback's reply (decrypted when it came encrypted)."""
    if "<Encrypt>" not in reply:
        return reply
    sealed = xmltodict.parse(reply)["xml"]
    crypto = WeChatCrypto(settings.token, settings.aes_key, settings.app_id)
    return crypto.decrypt_message(
        reply, sealed["MsgSignature"], sealed["TimeStamp"], sealed["Nonce"]
    )


def post_event(settings: SandboxSettings, xml: str) -> dict:
    """POST to the callback as WeChat would (5-second limit); what came back, for the phone:
    the status, the XML sent and received, and the reply as the chat shows it."""
    query, body = sign(settings, xml)
    url = f"{settings.callback_url}?{urlencode(query)}"
    try:
        response = requests.post(
            url, data=body.encode(), headers={"Content-Type": "text/xml"}, timeout=5
        )
    except requests.RequestException as exc:
        return {"status": None, "sent": xml, "reply": "", "message": None, "error": str(exc)}
    reply = response.text if response.status_code == 200 and response.text != "success" else ""
    if reply.startswith("<xml"):
        reply = open_reply(settings, reply)
    return {
        "status": response.status_code,
        "sent": xml,
        "reply": reply,
        "message": reply_message(reply),
    }


def reply_message(reply: str) -> dict | None:
    """A passive reply as the chat shows it: ``{"type": "text", "content"}`` or
    ``{"type": "news", "articles": [{"title", "description", "url"}]}``; None for no reply."""
    if not reply.startswith("<xml"):
        return None
    try:
        fields = xmltodict.parse(reply)["xml"]
    except (ExpatError, KeyError, TypeError):
        fields = None
    if not isinstance(fields, dict):  # not WeChat's XML: the phone shows it raw
        return {"type": "unknown", "content": reply}
    kind = fields.get("MsgType")
    if kind == "text":
        return {"type": "text", "content": fields.get("Content") or ""}
    if kind == "news":
        items = (fields.get("Articles") or {}).get("item") or []
        items = items if isinstance(items, list) else [items]
        return {
            "type": "news",
            "articles": [
                {k.lower(): item.get(k) or "" for k in ("Title", "Description", "Url")}
                for item in items
            ],
        }
    return {"type": kind or "unknown", "content": reply}
