"""The JS-SDK ``wx.config`` of a page: wechatpy's jsapi ticket (cached in Redis through the
client's session storage, shared by all processes) and its signature of the page URL."""

from __future__ import annotations

import secrets
from datetime import datetime


def js_sdk_config(client, url: str, now: datetime) -> dict:
    """``url`` is the page's full URL without its ``#`` fragment, as the browser shows it."""
    ticket = client.jsapi.get_jsapi_ticket()
    nonce = secrets.token_hex(8)
    timestamp = int(now.timestamp())
    return {
        "appId": client.appid,
        "timestamp": timestamp,
        "nonceStr": nonce,
        "signature": client.jsapi.get_jsapi_signature(nonce, ticket, timestamp, url.split("#")[0]),
    }
