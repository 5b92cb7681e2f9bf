"""The sandbox's WeChat endpoints on its own app: WeChat's JSON shapes, token checks, one-time
codes, failure injection; and the app's QR code, menu and JS-SDK calls through the sandbox's own
server."""

from __future__ import annotations

import hashlib
from urllib.parse import parse_qs, urlsplit

import pytest

from campaigns.wechat.clients import current_client
from campaigns.wechat.config import WeChatSettings
from devtools.sandbox import events
from devtools.sandbox.config import SandboxSettings
from tests.wechat import samples


@pytest.fixture
def sandbox_client(sandbox_app):
    return sandbox_app.test_client()


def token(client) -> str:
    response = client.get(
        "/cgi-bin/token",
        query_string={
            "grant_type": "client_credential",
            "appid": "wx-sandbox-app",
            "secret": "sandbox-secret",
        },
    )
    return response.get_json()["access_token"]


def test_api_calls_need_a_token_the_sandbox_issued(sandbox_client):
    bad = sandbox_client.get("/cgi-bin/menu/get", query_string={"access_token": "x"})
    assert bad.get_json()["errcode"] == 40001 and "errmsg" in bad.get_json()
    wrong_secret = sandbox_client.get(
        "/cgi-bin/token",
        query_string={"grant_type": "client_credential", "appid": "wx-sandbox-app", "secret": "no"},
    )
    assert wrong_secret.get_json()["errcode"] == 40125
    good = sandbox_client.get(
        "/cgi-bin/menu/get", query_string={"access_token": token(sandbox_client)}
    )
    assert good.get_json()["menu"]["button"][0]["name"] == "品牌官网"  # the brand's, not 40001


def test_bizsend_reaches_only_who_accepted_that_template(sandbox_client):
    """WeChat's subscription notice: 43101 until the openid accepts the template (a popup on
    the phone or the control), then errcode 0 whether or not it follows; 40037 for another
    template; each call in the log."""
    url = f"/cgi-bin/message/subscribe/bizsend?access_token={token(sandbox_client)}"
    body = {
        "touser": "o-stranger-0001",
        "template_id": "sandbox-subscribe-template",
        "page": "http://testserver/h5/1/prizes",
        "data": {"thing1": {"value": "Mug"}},
    }
    assert sandbox_client.post(url, json=body).get_json()["errcode"] == 43101
    assert (
        sandbox_client.post(
            "/control/subscription",
            json={"openid": "o-stranger-0001", "template_id": body["template_id"], "accept": True},
        ).status_code
        == 200
    )
    assert sandbox_client.post(url, json=body).get_json() == {"errcode": 0, "errmsg": "ok"}
    other = sandbox_client.post(url, json={**body, "template_id": "sandbox-template"})
    assert other.get_json()["errcode"] == 40037
    assert sandbox_client.post(url, json={**body, "data": {}}).get_json()["errcode"] == 47003
    logged = sandbox_client.get("/calls?endpoint=cgi-bin/message/subscribe/bizsend").get_json()
    assert [c["errcode"] for c in logged["calls"]] == [47003, 40037, 0, 43101]
    assert logged["calls"][2]["body"]["data"] == body["data"]


def test_authorize_without_openid_asks_for_one(sandbox_client):
    query = {
        "appid": "wx-sandbox-app",
        "redirect_uri": "http://testserver/oauth/callback",
        "response_type": "code",
        "scope": "snsapi_base",
        "state": "s1",
    }
    page = sandbox_client.get("/connect/oauth2/authorize", query_string=query)
    assert page.status_code == 200 and 'name="openid"' in page.get_data(as_text=True)
    foreign = {**query, "redirect_uri": "https://evil.example/cb", "openid": "o-someone-1"}
    assert sandbox_client.get("/connect/oauth2/authorize", query_string=foreign).status_code == 400


def test_a_code_is_exchanged_once(sandbox_client):
    query = {
        "appid": "wx-sandbox-app",
        "redirect_uri": "http://testserver/oauth/callback",
        "response_type": "code",
        "scope": "snsapi_base",
        "state": "s1",
        "openid": "o-once-0001",
    }
    back = sandbox_client.get("/connect/oauth2/authorize", query_string=query)
    params = parse_qs(urlsplit(back.headers["Location"]).query)
    assert params["state"] == ["s1"]
    exchange = {
        "appid": "wx-sandbox-app",
        "secret": "sandbox-secret",
        "code": params["code"][0],
        "grant_type": "authorization_code",
    }
    first = sandbox_client.get("/sns/oauth2/access_token", query_string=exchange)
    assert first.get_json()["openid"] == "o-once-0001"
    second = sandbox_client.get("/sns/oauth2/access_token", query_string=exchange)
    assert second.get_json()["errcode"] == 40029


def test_failure_injection_is_validated_and_logged(sandbox_client):
    bad = sandbox_client.post("/control/fail", json={"endpoint": "x", "mode": "boom"})
    assert bad.status_code == 422
    sandbox_client.post(
        "/control/fail", json={"endpoint": "cgi-bin/token", "mode": "busy", "times": 1}
    )
    assert "errcode" in sandbox_client.get("/cgi-bin/token").get_json()
    log = sandbox_client.get("/calls").get_json()["calls"]
    assert log[0]["endpoint"] == "cgi-bin/token" and log[0]["errcode"] == -1
    assert "secret" not in log[0]["args"]
    assert sandbox_client.get("/").status_code == 200


def test_phone_page_lists_the_qr_codes_the_sandbox_issued(sandbox_client):
    made = sandbox_client.post(
        "/cgi-bin/qrcode/create",
        query_string={"access_token": token(sandbox_client)},
        json={"action_name": "QR_LIMIT_STR_SCENE", "action_info": {"scene": {"scene_str": "s-7"}}},
    ).get_json()
    assert made["url"] == "http://sandbox.test/phone?scene=s-7"
    page = sandbox_client.get("/phone?scene=campaign-9").get_data(as_text=True)
    assert 'data-scene="s-7"' in page and 'data-scene="campaign-9"' in page
    assert "phone.js" in page and "品牌官网" in page  # the brand's menu from the start state


def test_signed_and_encrypted_events_are_accepted_in_safe_mode(app, client, factory):
    app.config.update(WECHAT_MESSAGE_MODE="safe", WECHAT_AES_KEY=samples.AES_KEY)
    campaign = factory.campaign()
    settings = SandboxSettings.from_env(
        {"WECHAT_MESSAGE_MODE": "safe", "WECHAT_AES_KEY": samples.AES_KEY}
    )
    xml = events.event_xml(
        "o-safe-00001", 1700000000, "subscribe", f"qrscene_campaign-{campaign.id}"
    )
    query, body = events.sign(settings, xml)
    assert query["encrypt_type"] == "aes" and "<Encrypt>" in body and "o-safe" not in body
    response = client.post("/wechat", query_string=query, data=body)
    assert response.status_code == 200
    assert f"/h5/{campaign.id}/" in events.open_reply(settings, response.get_data(as_text=True))


def test_qr_codes_menu_and_jssdk_through_the_live_sandbox(app, sandbox, factory, clock, redis):
    from campaigns.wechat import jssdk, qr

    campaign = factory.campaign(name="中秋节大转盘抽奖活动")  # 30 bytes: a sub-menu takes 60
    with app.test_request_context():
        client = current_client()
        code = qr.campaign_qr(client, redis, campaign)
        assert code.scene == f"campaign-{campaign.id}"
        assert qr.campaign_qr(client, redis, campaign) == code  # cached
        assert qr.render_png(code).startswith(b"\x89PNG") and b"<svg" in qr.render_svg(code)
        config = jssdk.js_sdk_config(client, "http://testserver/h5/1/?a=b#frag", clock.now())
    [ticket_call] = sandbox.calls("cgi-bin/ticket/getticket")
    assert ticket_call["errcode"] == 0
    assert len(sandbox.calls("cgi-bin/qrcode/create")) == 1
    assert set(config) == {"appId", "timestamp", "nonceStr", "signature"}

    result = app.test_cli_runner().invoke(args=["menu", "sync", "--yes"])
    assert result.exit_code == 0, result.output
    [menu_call] = sandbox.calls("cgi-bin/menu/create")
    *brand, ours = menu_call["body"]["button"]
    assert [b["name"] for b in brand] == ["品牌官网", "会员服务"]
    [button] = ours["sub_button"]
    assert button["type"] == "view" and button["url"] == f"http://testserver/h5/{campaign.id}/"
    assert button["name"] == "中秋节大转盘抽奖活动"


def test_the_menu_takes_five_campaigns_within_wechat_limits_and_names_the_others():
    from types import SimpleNamespace

    from campaigns.wechat.menu import arrange

    settings = WeChatSettings.from_config(
        {
            "WECHAT_MESSAGE_MODE": "plain",
            "PUBLIC_BASE_URL": "https://x.example",
            "WECHAT_SANDBOX": False,
            "WECHAT_APP_ID": "a",
            "WECHAT_APP_SECRET": "s",
            "WECHAT_TOKEN": "t",
            "WECHAT_AES_KEY": "",
            "WECHAT_TEMPLATE_ID": "tpl",
            "WECHAT_TEMPLATE_KEYWORDS": "thing1=prize,thing2=code",
            "WECHAT_SUBSCRIBE_TEMPLATE_ID": "",
            "WECHAT_SUBSCRIBE_TEMPLATE_KEYWORDS": "thing1=prize,thing2=code",
            "WECHAT_WELCOME_TEXT": "Hi",
            "WECHAT_API_BASE_URL": "",
            "WECHAT_OAUTH_BASE_URL": "",
            "WECHAT_MP_BASE_URL": "",
            "WECHAT_SANDBOX_URL": "http://127.0.0.1:5001",
            "WECHAT_TIMEOUT_SECONDS": 5,
        }
    )
    campaigns = [SimpleNamespace(id=i, name=f"{i}" + "活动" * 20) for i in range(1, 18)]
    [group], left_out = arrange([], campaigns, settings, "活动")
    assert group["name"] == "活动"
    shown = [f"https://x.example/h5/{i}/" for i in range(1, 6)]  # the five ending soonest
    assert [s["url"] for s in group["sub_button"]] == shown
    assert all(len(s["name"].encode()) <= 60 for s in group["sub_button"])
    assert left_out == tuple(c.name for c in campaigns[5:])
    assert settings.api_base_url == "https://api.weixin.qq.com/"


def test_jssdk_signature_is_wechats(app, sandbox, clock):
    from campaigns.wechat import jssdk

    with app.test_request_context():
        client = current_client()
        config = jssdk.js_sdk_config(client, "http://testserver/h5/1/", clock.now())
        ticket = client.jsapi.get_jsapi_ticket()  # the cached one: no second call
    raw = (
        f"jsapi_ticket={ticket}&noncestr={config['nonceStr']}"
        f"&timestamp={config['timestamp']}&url=http://testserver/h5/1/"
    )
    assert config["signature"] == hashlib.sha1(raw.encode()).hexdigest()
    assert len(sandbox.calls("cgi-bin/ticket/getticket")) == 1


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/phone/send", {"openid": "nope", "action": "follow"}, "openid"),
        ("/phone/send", {"openid": "o-fine-00001", "action": "dance"}, "action"),
        ("/phone/person", {"openid": "x"}, "openid"),
        ("/control/follower", {"openid": "o-fine-00001"}, "subscribe"),
        ("/control/fail", {"endpoint": "cgi-bin/token", "mode": "busy", "times": 0}, "times"),
        ("/control/subscription", {"openid": "o-fine-00001", "template_id": "t"}, "accept"),
    ],
)
def test_bad_control_input_is_a_422_naming_the_field(sandbox_client, path, body, field):
    response = sandbox_client.post(path, json=body)
    assert response.status_code == 422
    assert response.get_json()["error"] == "validation_error"
    assert field in response.get_json()["fields"]


def test_unknown_paths_and_methods_answer_json(sandbox_client):
    assert sandbox_client.get("/no/such").get_json()["error"] == "not_found"
    assert sandbox_client.get("/control/reset").status_code == 405


def test_the_sandbox_refuses_to_start_in_production(redis_url):
    from devtools.sandbox.app import create_sandbox_app

    with pytest.raises(RuntimeError, match="PRODUCTION"):
        create_sandbox_app({"REDIS_URL": redis_url, "PRODUCTION": "1"})


def test_the_phone_reads_text_and_news_replies_and_shows_anything_else_raw():
    text = (
        "<xml><MsgType><![CDATA[text]]></MsgType>"
        '<Content><![CDATA[去 <a href="u">玩</a>]]></Content></xml>'
    )
    assert events.reply_message(text) == {"type": "text", "content": '去 <a href="u">玩</a>'}
    news = (
        "<xml><MsgType>news</MsgType><Articles><item><Title>T</Title><Description>D</Description>"
        "<Url>http://x/</Url></item></Articles></xml>"
    )
    assert events.reply_message(news) == {
        "type": "news",
        "articles": [{"title": "T", "description": "D", "url": "http://x/"}],
    }
    assert events.reply_message("<xml><oops") == {"type": "unknown", "content": "<xml><oops"}
    assert events.reply_message("success") is None
