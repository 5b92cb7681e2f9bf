"""The account talks back, through the callback (signed XML as WeChat sends it, plain and AES)
and the sandbox phone on a real server: the welcome after a follow with the live campaigns, the
game link once, the help for an unknown word, and XML that survives any text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from campaigns.web.extensions import db
from tests.wechat import samples
from tests.wechat.test_callback import mode, post, reply_content  # noqa: F401  (fixture)

BASE = "http://testserver"


def link(campaign) -> str:
    return f'<a href="{BASE}/h5/{campaign.id}/">{campaign.name}</a>'


def follow(client, mode, scene: str | None = None, at: int = 1348831860):  # noqa: F811
    xml = samples.event("o-new-000001", "subscribe", scene and f"qrscene_{scene}", at=at)
    response, reply = post(client, mode, xml)
    assert response.status_code == 200
    return reply_content(reply)


def say(client, mode, text: str, msg_id: int = 5000):  # noqa: F811
    response, reply = post(client, mode, samples.text("o-new-000001", text, msg_id))
    assert response.status_code == 200
    return reply_content(reply)


def test_a_keyword_answers_with_the_link_shown_once(client, factory, mode):  # noqa: F811
    campaign = factory.campaign(name="Mid-Autumn wheel", keyword="GO")
    content = say(client, mode, "Go")
    assert content == link(campaign)
    assert content.count(f"{BASE}/h5/{campaign.id}/") == 1


def test_a_follow_gets_the_welcome_and_the_live_campaigns_links(client, factory, clock, mode):  # noqa: F811
    soon = factory.campaign(name="Ends soon", ends_at=clock.now() + timedelta(days=1))
    later = factory.campaign(name="Ends later")
    factory.campaign(name="Ended", status="ended")
    factory.campaign(name="Draft", status="draft")
    starts = clock.now() + timedelta(days=1)
    factory.campaign(name="Scheduled", starts_at=starts, ends_at=starts + timedelta(days=1))
    assert follow(client, mode) == "\n".join(
        ["感谢关注！", "正在进行的活动：", link(soon), link(later)]
    )


def test_a_follow_through_a_campaigns_code_lists_that_campaign_first(client, factory, clock, mode):  # noqa: F811
    soon = factory.campaign(name="Ends soon", ends_at=clock.now() + timedelta(days=1))
    scanned = factory.campaign(name="Scanned")
    content = follow(client, mode, f"campaign-{scanned.id}")
    assert content.splitlines()[2:] == [link(scanned), link(soon)]


def test_a_follow_through_an_ended_campaigns_code_says_so_then_lists_the_live(
    client,
    factory,
    mode,  # noqa: F811
):
    live = factory.campaign(name="Live one")
    ended = factory.campaign(name="Over", status="ended", language="en")
    content = follow(client, mode, f"campaign-{ended.id}")
    assert content.splitlines()[2:] == ["“Over” is not open right now.", link(live)]


def test_the_welcome_text_is_the_accounts_setting(client, factory, app, mode):  # noqa: F811
    app.config["WECHAT_WELCOME_TEXT"] = '欢迎来到品牌号！<a href="https://shop.example">商城</a>'
    assert follow(client, mode) == '欢迎来到品牌号！<a href="https://shop.example">商城</a>'


def test_a_welcome_text_over_wechats_limit_refuses_to_start(app_on, redis_url):
    with pytest.raises(ValueError, match="WECHAT_WELCOME_TEXT must be 1 to 1024 bytes"):
        app_on(redis_url, WECHAT_WELCOME_TEXT="欢" * 400)  # 1,200 bytes
    with pytest.raises(ValueError, match="WECHAT_WELCOME_TEXT"):
        app_on(redis_url, WECHAT_WELCOME_TEXT="  ")


def test_many_live_campaigns_stay_within_a_text_replys_2048_bytes(client, factory, mode):  # noqa: F811
    for n in range(15):
        factory.campaign(name=f"活动{n:02d}" + "好" * 30)
    content = follow(client, mode)
    assert len(content.encode()) <= 2048
    assert content.endswith("</a>") and content.count("<a href=") >= 10


def test_an_unknown_word_gets_the_keywords_that_work_now(client, factory, clock, mode):  # noqa: F811
    factory.campaign(name="Mid-Autumn wheel", keyword="GO")
    newer = factory.campaign(name="Newer with GO", keyword="NEW")
    newer.keyword = "ｇｏ"  # published before keywords were checked: listed once, the newest
    db.session.commit()
    factory.campaign(name="Quiz", keyword="答题")
    factory.campaign(name="No keyword")
    factory.campaign(name="Ended", keyword="OLD", status="ended")
    starts = clock.now() + timedelta(days=1)
    factory.campaign(keyword="SOON", starts_at=starts, ends_at=starts + timedelta(days=1))
    assert say(client, mode, "what is this?") == "\n".join(
        ["发送以下关键词，获取活动链接：", "ｇｏ（Newer with GO）", "答题（Quiz）"]
    )


def test_with_no_keyword_open_the_help_says_so(client, factory, mode):  # noqa: F811
    factory.campaign(name="Menu only")
    assert say(client, mode, "GO") == "目前没有可用的关键词，请通过菜单参与活动。"


def test_cdata_terminators_and_markup_in_names_do_not_break_the_reply(
    client,
    factory,
    app,
    mode,  # noqa: F811
):
    app.config["WECHAT_WELCOME_TEXT"] = "Hi ]]> there <b>"
    campaign = factory.campaign(name="Big ]]> Sale & <Win>", keyword="A]]>B")
    expected = f'<a href="{BASE}/h5/{campaign.id}/">Big ]]&gt; Sale &amp; &lt;Win&gt;</a>'
    assert follow(client, mode).splitlines() == ["Hi ]]> there <b>", "正在进行的活动：", expected]
    assert (
        say(client, mode, "anything")
        == "发送以下关键词，获取活动链接：\nA]]&gt;B（Big ]]&gt; Sale &amp; &lt;Win&gt;）"
    )


def test_the_sandbox_phone_gets_the_welcome_and_the_help(factory, sandbox):
    real_now = datetime.now(UTC)  # the live server runs on the real clock
    campaign = factory.campaign(
        name="Phone test",
        keyword="GO",
        starts_at=real_now - timedelta(hours=1),
        ends_at=real_now + timedelta(days=1),
    )
    welcomed = sandbox.phone("o-phone-0001", "follow", scene=f"campaign-{campaign.id}")
    content = reply_content(welcomed["reply"])
    assert content.startswith("感谢关注！\n正在进行的活动：\n<a href=")
    assert f'/h5/{campaign.id}/">Phone test</a>' in content
    helped = sandbox.phone("o-phone-0001", "text", text="hello")
    assert reply_content(helped["reply"]) == "发送以下关键词，获取活动链接：\nGO（Phone test）"
    answered = sandbox.phone("o-phone-0001", "text", text="ＧＯ")
    assert reply_content(answered["reply"]).endswith(f'/h5/{campaign.id}/">Phone test</a>')
