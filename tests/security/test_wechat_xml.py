"""Hostile bodies on the WeChat callback, each correctly signed so it reaches the XML handling:
malformed and truncated XML, entity expansion ("billion laughs"), external entities, any DOCTYPE,
wrong encryption in safe mode, replayed timestamps and oversized bodies. Each is refused with a
4xx, stores nothing, and returns well inside the per-test timeout (pytest-timeout fails a test
that hangs; no wall-clock assertion)."""

from __future__ import annotations

import time
from urllib.parse import urlencode

import pytest
import xmltodict
from sqlalchemy import func, select
from wechatpy.crypto import WeChatCrypto

from campaigns.models import FollowEvent
from campaigns.web.extensions import db
from campaigns.wechat.inbox import TIMESTAMP_WINDOW_SECONDS
from tests.wechat import samples

pytestmark = pytest.mark.timeout(30)

SUBSCRIBE = samples.event("o-xml-000001", "subscribe")
BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
        for i in range(1, 10)
    )
    + "]><xml><ToUserName>gh</ToUserName><FromUserName>o-xml-000001</FromUserName>"
    "<CreateTime>1</CreateTime><MsgType>text</MsgType><Content>&lol9;</Content>"
    "<MsgId>1</MsgId></xml>"
)
EXTERNAL_ENTITY = (
    '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    "<xml><ToUserName>gh</ToUserName><FromUserName>o-xml-000001</FromUserName>"
    "<CreateTime>1</CreateTime><MsgType>text</MsgType><Content>&xxe;</Content>"
    "<MsgId>2</MsgId></xml>"
)
EXTERNAL_DTD = '<?xml version="1.0"?><!DOCTYPE xml SYSTEM "http://127.0.0.1:9/x.dtd">' + SUBSCRIBE


def follow_events() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(FollowEvent))


def post_plain(client, body: bytes, timestamp: str | None = None):
    url, _ = samples.plain_request("", timestamp=timestamp)
    return client.post(url, data=body, content_type="text/xml")


def assert_refused(response, status: int = 400):
    assert response.status_code == status
    assert response.get_json()["error"] in ("bad_request", "forbidden", "payload_too_large")
    assert b"root:" not in response.get_data()  # no file contents echoed back
    assert follow_events() == 0


@pytest.fixture
def safe(app):
    app.config.update(WECHAT_MESSAGE_MODE="safe", WECHAT_AES_KEY=samples.AES_KEY)


def test_a_good_subscribe_is_stored_so_the_count_can_move(client):
    url, body = samples.plain_request(SUBSCRIBE)
    assert client.post(url, data=body, content_type="text/xml").status_code == 200
    assert follow_events() == 1


@pytest.mark.parametrize(
    "body",
    [
        SUBSCRIBE.encode()[: len(SUBSCRIBE) // 2],  # truncated mid-element
        SUBSCRIBE.encode()[:-3],  # truncated closing tag
        SUBSCRIBE.replace("</xml>", "").encode(),
        b"<xml><FromUserName>o-x</FromUserName><xml>",
        b"\x00\xff\xfe garbage \x80",
        b"<xml>" * 50_000,  # deep nesting, well under the size limit
        SUBSCRIBE.encode("utf-16"),
    ],
    ids=["half", "no-close", "unclosed-root", "nested-root", "binary", "deep", "utf16"],
)
def test_malformed_and_truncated_bodies_are_400(client, body):
    assert_refused(post_plain(client, body))


@pytest.mark.parametrize(
    "body",
    [
        BILLION_LAUGHS.encode(),
        BILLION_LAUGHS.encode("utf-16"),
        BILLION_LAUGHS.replace("DOCTYPE", "doctype").encode(),
        EXTERNAL_ENTITY.encode(),
        EXTERNAL_DTD.encode(),
        b"<!DOCTYPE xml><xml><FromUserName>o-x</FromUserName></xml>",
    ],
    ids=[
        "billion-laughs",
        "billion-laughs-utf16",
        "lowercase",
        "xxe-file",
        "external-dtd",
        "doctype",
    ],
)
def test_entity_and_doctype_attacks_are_refused_unparsed(client, body):
    assert_refused(post_plain(client, body))


def test_entities_inside_an_encrypted_message_are_refused_too(client, safe):
    url, body = samples.safe_request(EXTERNAL_ENTITY)
    assert_refused(client.post(url, data=body, content_type="text/xml"))
    url, body = samples.safe_request(BILLION_LAUGHS)
    assert_refused(client.post(url, data=body, content_type="text/xml"))


def _sealed_with(crypto: WeChatCrypto, xml: str):
    timestamp, nonce = samples.now(), "zzzzzz"
    sealed = xmltodict.parse(crypto.encrypt_message(xml, nonce, timestamp))["xml"]
    query = {
        "signature": samples.signature(samples.TOKEN, timestamp, nonce),
        "timestamp": timestamp,
        "nonce": nonce,
        "encrypt_type": "aes",
        "msg_signature": sealed["MsgSignature"],
    }
    body = f"<xml><ToUserName>gh</ToUserName><Encrypt>{sealed['Encrypt']}</Encrypt></xml>"
    return "/wechat?" + urlencode(query), body.encode()


@pytest.mark.parametrize(
    "crypto",
    [
        WeChatCrypto(samples.TOKEN, "B" * 43, samples.APP_ID),  # another account's key
        WeChatCrypto(samples.TOKEN, samples.AES_KEY, "wx-another-app"),  # another app id
    ],
    ids=["wrong-key", "wrong-appid"],
)
def test_wrong_encryption_in_safe_mode_is_refused(client, safe, crypto):
    url, body = _sealed_with(crypto, SUBSCRIBE)
    response = client.post(url, data=body, content_type="text/xml")
    assert 400 <= response.status_code < 500
    assert_refused(response, response.status_code)


def test_a_garbled_ciphertext_is_refused(client, safe):
    url, body = samples.safe_request(SUBSCRIBE)
    garbled = body.replace(b"<Encrypt><![CDATA[", b"<Encrypt><![CDATA[AAAA")
    response = client.post(url, data=garbled, content_type="text/xml")
    assert 400 <= response.status_code < 500
    assert_refused(response, response.status_code)


@pytest.mark.parametrize(
    "offset", [-(TIMESTAMP_WINDOW_SECONDS + 60), TIMESTAMP_WINDOW_SECONDS + 60]
)
def test_a_replayed_or_future_timestamp_is_refused(client, offset):
    stale = str(int(time.time()) + offset)
    url, body = samples.plain_request(SUBSCRIBE, timestamp=stale)  # correctly signed
    assert_refused(client.post(url, data=body, content_type="text/xml"), 403)


def test_a_replayed_encrypted_message_is_refused(client, safe):
    stale = str(int(time.time()) - 3600)
    url, body = samples.safe_request(SUBSCRIBE, timestamp=stale)
    assert_refused(client.post(url, data=body, content_type="text/xml"), 403)


def test_a_timestamp_inside_the_window_is_accepted(client):
    recent = str(int(time.time()) - TIMESTAMP_WINDOW_SECONDS // 2)
    url, body = samples.plain_request(SUBSCRIBE, timestamp=recent)
    assert client.post(url, data=body, content_type="text/xml").status_code == 200
    assert follow_events() == 1


def test_an_oversized_body_is_413(client, app):
    padding = "x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    body = SUBSCRIBE.replace("</xml>", f"<Pad>{padding}</Pad></xml>").encode()
    assert_refused(post_plain(client, body), 413)
