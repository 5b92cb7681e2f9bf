"""The sandbox's phone in Chromium (phone viewport, WeChat's user agent), against the sandbox's
own server and the app's gunicorn: one person across reloads, who follows, scans the campaign's
code, taps the menu and plays the game inside the phone's frame, signed in as that same person.
Screenshots under test-artifacts/screenshots/sandbox-*.png."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import requests
from sqlalchemy import select

from campaigns.core.clock import FrozenClock
from campaigns.models import FollowEvent, Play, Player
from campaigns.web.extensions import db
from tests.browser import shot
from tests.ledger import settle
from tests.sandbox_client import wait_for

pytestmark = [pytest.mark.browser, pytest.mark.one_database]

SURE_WIN = [{"name": "10元优惠券", "stock": 50, "probability": 1.0}]


@pytest.fixture
def clock():
    """The servers run on the real clock, so the campaign must be open now."""
    return FrozenClock(datetime.now(UTC))


@pytest.fixture
def campaign(factory, clock, app, app_server, sandbox):
    """A live scratch card for followers only, whose QR code the app has asked the sandbox for
    (as its page does) and which the account's menu opens (``menu sync``)."""
    now = clock.now()
    made = factory.campaign(
        name="中秋刮刮乐",
        game="scratch",
        require_follow=True,
        prizes=SURE_WIN,
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(days=3),
    )
    qr = requests.get(f"{app_server.url}/h5/{made.id}/follow-qr.svg", timeout=10)
    assert qr.status_code == 200
    app.config["PUBLIC_BASE_URL"] = app_server.url  # the menu opens the app server's page
    synced = app.test_cli_runner().invoke(args=["menu", "sync", "--yes"])
    assert synced.exit_code == 0, synced.output
    return made


def at(url: str) -> re.Pattern:
    """``url``, with or without the ``#wechat_redirect`` the authorize URL's fragment leaves."""
    return re.compile(re.escape(url) + "(#.*)?$")


def person_of(page) -> str:
    return page.locator("#openid").input_value()


def game_button(page, url: str):
    """The menu button opening ``url``, its sub-menu opened first if it sits in one."""
    button = page.locator(f'.menu button[data-action=view][data-url="{url}"]')
    item = page.locator(".menu .item", has=button)
    toggle = item.locator("button[data-toggle]")
    if toggle.count():
        toggle.click()
    return button


def test_one_person_follows_scans_taps_the_menu_and_plays_in_the_phone_frame(
    phone, sandbox_server, app_server, sandbox, campaign
):
    page = phone()
    page.goto(f"{sandbox_server.url}/phone")
    person = person_of(page)
    assert person.startswith("o-phone-")
    assert page.locator("#status").get_attribute("data-following") == "0"
    shot(page, "sandbox-phone-start")
    page.reload()
    assert person_of(page) == person  # one person per browser, not one per page load

    page.get_by_role("button", name="Follow", exact=True).click()
    page.locator('#status[data-following="1"]').wait_for()
    welcome = page.locator(".bubble.account").last
    welcome.wait_for()  # the account's welcome message
    assert page.locator(".bubble.account").count() == 1
    follows = db.session.scalars(select(FollowEvent).where(FollowEvent.openid == person)).all()
    assert [f.event for f in follows] == ["subscribe"]

    scene = f"campaign-{campaign.id}"
    page.get_by_role("button", name=f"Scan {scene}").click()
    game_url = f"{app_server.url}/h5/{campaign.id}/"
    page.locator(".bubble.account").nth(1).wait_for()
    reply = page.locator(".bubble.account").last
    reply.locator("a").first.wait_for()
    assert page.locator(".bubble.account").count() == 2  # the welcome, then the reply once
    links = reply.locator("a")
    assert {links.nth(i).get_attribute("href") for i in range(links.count())} == {game_url}
    assert "<a" not in reply.inner_text() and "中秋刮刮乐" in reply.inner_text()
    shot(page, "sandbox-phone-scan-reply")

    game_button(page, game_url).click()
    frame = page.frame_locator("#page")
    card = frame.get_by_role("button", name="领取刮刮卡")
    card.wait_for()  # OAuth ran inside the frame, approved as the phone's person
    assert page.locator("#browser").is_visible()
    [game] = [f for f in page.frames if f.url.startswith(game_url)]
    assert game.url.split("#")[0] == game_url, game.url  # (WeChat's #wechat_redirect stays)
    shot(page, "sandbox-phone-menu-game")

    with page.expect_response(re.compile(r"/play$")) as answer:
        card.click()  # the session cookie set inside the frame is sent from it
    assert answer.value.status == 200 and answer.value.json()["outcome"] == "win"
    frame.locator("#ticket[data-state=issued]").wait_for()
    shot(page, "sandbox-phone-played")
    settle()  # the play's row, as the worker's ledger writer would write it
    [play] = db.session.scalars(select(Play)).all()
    assert db.session.get(Player, play.player_id).openid == person  # who followed is who played
    [authorize] = sandbox.calls("connect/oauth2/authorize")
    assert "openid" not in authorize["args"]  # nobody named them: the browser's person did


def test_the_person_is_changed_on_the_phone_and_approved_on_the_oauth_page(
    phone, sandbox_server, app_server, sandbox, campaign
):
    page = phone()
    page.goto(f"{app_server.url}/h5/{campaign.id}/")  # a browser that never opened the phone
    assert page.url.startswith(f"{sandbox_server.url}/connect/oauth2/authorize")
    shot(page, "sandbox-authorize")
    page.locator("input[name=openid]").fill("o-approved-0001")
    page.get_by_role("button", name="同意 · Approve").click()
    page.wait_for_url(at(f"{app_server.url}/h5/{campaign.id}/"))

    page.goto(f"{sandbox_server.url}/phone")
    assert person_of(page) == "o-approved-0001"  # who approved is the browser's person
    page.locator("#openid").fill("o-chosen-0002")
    page.get_by_role("button", name="Use").click()
    page.wait_for_load_state()
    page.locator('#openid[value="o-chosen-0002"]').wait_for()
    page.reload()
    assert person_of(page) == "o-chosen-0002"

    page.context.clear_cookies(name="session")  # the app's session only: sign in again
    page.goto(f"{app_server.url}/h5/{campaign.id}/")
    page.wait_for_url(at(f"{app_server.url}/h5/{campaign.id}/"))  # approved at once
    players = db.session.scalars(select(Player.openid).order_by(Player.id)).all()
    assert players == ["o-approved-0001", "o-chosen-0002"]

    page.goto(f"{sandbox_server.url}/phone")
    page.get_by_role("button", name="New person").click()
    page.wait_for_function("document.getElementById('openid').value !== 'o-chosen-0002'")
    assert person_of(page).startswith("o-phone-")


def test_the_brands_own_menu_is_on_the_phone_from_the_start(phone, sandbox_server, sandbox):
    page = phone()
    page.goto(f"{sandbox_server.url}/phone")
    assert page.locator(".menu").get_by_role("button", name="品牌官网").is_visible()
    page.get_by_role("button", name="≡ 会员服务").click()
    shot(page, "sandbox-phone-brand-menu")
    page.get_by_role("button", name="会员卡").click()
    person = person_of(page)

    def tapped():
        return db.session.scalars(
            select(FollowEvent).where(FollowEvent.openid == person, FollowEvent.event == "click")
        ).all()

    [click] = wait_for(tapped)  # the CLICK event reached the app's callback
    assert click.scene == "BRAND_MEMBER_CARD"


def test_the_phone_answers_a_subscription_popup_as_wechat_does(phone, sandbox_server, sandbox):
    """The phone's "Accept popup" posts the signed subscribe_msg_popup_event to the app's
    callback, which stores the consent; "Turn off" posts the change event, which withdraws it.
    The sandbox's own state follows, so bizsend would answer by it."""
    from campaigns.models import NoticeConsent

    def stored(openid):
        db.session.expire_all()
        row = db.session.scalar(select(NoticeConsent).where(NoticeConsent.openid == openid))
        return row and (row.template_id, row.status, row.source)

    page = phone()
    page.goto(f"{sandbox_server.url}/phone")
    person = person_of(page)
    assert page.locator("#subscribe-template").input_value() == "sandbox-subscribe-template"
    page.get_by_role("button", name="Accept popup").click()
    subscriptions = page.locator("#subscriptions")
    subscriptions.filter(has_text="sandbox-subscribe-template: accept").wait_for()
    wait_for(lambda: stored(person) == ("sandbox-subscribe-template", "accept", "popup"))
    shot(page, "sandbox-phone-subscribe")
    page.get_by_role("button", name="Turn off").click()
    subscriptions.filter(has_text="sandbox-subscribe-template: reject").wait_for()
    wait_for(lambda: stored(person) == ("sandbox-subscribe-template", "reject", "change"))
    assert sandbox.calls("cgi-bin/message/subscribe/bizsend") == []  # answering calls no API
