"""``require_follow`` asks WeChat who follows (user/info), as a real account needs: its followers
followed before this server existed. Played against the app's gunicorn and the sandbox's own
server, whose start state has such followers (o-before-0001..0050, no event ever received)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from campaigns.core.clock import FrozenClock
from campaigns.models import FollowEvent, Play
from campaigns.web.extensions import db
from campaigns.wechat import followers, keys
from campaigns.wechat.clients import current_client
from campaigns.wechat.followers import FollowStatus
from devtools.sandbox.start_state import BEFORE_FOLLOWERS
from tests.ledger import settle
from tests.sandbox_client import sign_in

USER_INFO = "cgi-bin/user/info"
SHOWN_SCREEN = re.compile(r'data-screen="(\w+)"(?![^>]*hidden)')


@pytest.fixture
def clock():
    """The servers run on the real clock, so the campaign must be open now."""
    return FrozenClock(datetime.now(UTC))


@pytest.fixture
def followers_only(factory, clock, sandbox):
    now = clock.now()
    return factory.campaign(
        name="关注有礼",
        require_follow=True,
        wins_per_user_total=100,
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(days=1),
        prizes=[{"name": "Coupon", "stock": 500, "probability": 1.0}],
    )


def play(browser, app_server, campaign):
    return browser.post(f"{app_server.url}/h5/{campaign.id}/play", timeout=30)


def screens(browser, app_server, campaign) -> list[str]:
    """The refusal screens the game page shows on arrival (none: the game itself)."""
    page = browser.get(f"{app_server.url}/h5/{campaign.id}/", timeout=30)
    assert page.status_code == 200
    return SHOWN_SCREEN.findall(page.text)


def plays_of(campaign) -> int:
    settle()  # what the server's plays left in the streams, written now
    db.session.expire_all()
    return db.session.scalar(select(func.count()).where(Play.campaign_id == campaign.id))


def user_info_calls(sandbox, openid: str) -> int:
    return len([c for c in sandbox.calls(USER_INFO) if c["args"].get("openid") == openid])


def test_a_follower_from_before_plays_though_no_follow_event_was_ever_received(
    app_server, sandbox, followers_only
):
    openid = BEFORE_FOLLOWERS[6]
    assert not db.session.scalar(select(func.count()).where(FollowEvent.openid == openid))
    browser = sign_in(app_server.url, openid)

    assert screens(browser, app_server, followers_only) == []  # no "follow to play"
    played = play(browser, app_server, followers_only)
    assert played.status_code == 200, played.text
    assert played.json()["outcome"] == "win"
    assert plays_of(followers_only) == 1
    # WeChat was asked once, by the page; the play read the cached answer.
    assert user_info_calls(sandbox, openid) == 1


def test_an_unfollow_refuses_the_next_play_at_once_and_a_follow_lets_them_back(
    app_server, sandbox, followers_only
):
    openid = BEFORE_FOLLOWERS[7]
    browser = sign_in(app_server.url, openid)
    assert play(browser, app_server, followers_only).status_code == 200

    assert sandbox.phone(openid, "unfollow")["status"] == 200  # the event reached /wechat
    refused = play(browser, app_server, followers_only)
    assert refused.status_code == 403
    assert refused.json()["error"] == "not_following"
    assert screens(browser, app_server, followers_only) == ["not_following"]

    assert sandbox.phone(openid, "follow")["status"] == 200
    assert play(browser, app_server, followers_only).status_code == 200
    assert plays_of(followers_only) == 2
    # Both changes came from the events: WeChat was asked only before the first play.
    assert user_info_calls(sandbox, openid) == 1


def test_a_non_follower_is_refused_and_shown_the_follow_screen(app_server, sandbox, followers_only):
    browser = sign_in(app_server.url, "o-stranger-0001")
    assert screens(browser, app_server, followers_only) == ["not_following"]
    refused = play(browser, app_server, followers_only)
    assert refused.status_code == 403
    assert refused.json()["error"] == "not_following"
    assert plays_of(followers_only) == 0


@pytest.mark.parametrize(("mode", "errcode"), [("busy", -1), ("45009", 45009)])
def test_user_info_failing_answers_503_never_not_following(
    app_server, sandbox, followers_only, redis, mode, errcode
):
    """A failing WeChat (system busy; the daily quota spent) says nothing about the player."""
    openid = BEFORE_FOLLOWERS[8]
    browser = sign_in(app_server.url, openid)
    sandbox.fail(USER_INFO, mode, times=2)  # the page's pre-check, then the play

    assert screens(browser, app_server, followers_only) == []  # the game, not "follow to play"
    failed = play(browser, app_server, followers_only)
    assert failed.status_code == 503
    assert failed.json()["error"] == "unavailable"
    assert plays_of(followers_only) == 0
    assert redis.get(keys.follows(openid)) is None  # nothing guessed was kept
    assert [c["errcode"] for c in sandbox.calls(USER_INFO)] == [errcode, errcode]

    assert play(browser, app_server, followers_only).status_code == 200  # WeChat is back
    assert plays_of(followers_only) == 1


def test_the_cache_spares_wechat_a_call_per_play(app, app_server, sandbox, followers_only, redis):
    openid = BEFORE_FOLLOWERS[9]
    browser = sign_in(app_server.url, openid)
    for _ in range(5):
        assert play(browser, app_server, followers_only).status_code == 200
    assert user_info_calls(sandbox, openid) == 1
    assert 0 < redis.ttl(keys.follows(openid)) <= app.config["WECHAT_FOLLOW_CACHE_SECONDS"]

    redis.delete(keys.follows(openid))  # what the TTL running out does
    assert play(browser, app_server, followers_only).status_code == 200
    assert user_info_calls(sandbox, openid) == 2


def test_a_follow_event_heard_while_wechat_is_asked_wins_over_its_answer(app, sandbox):
    """The answer WeChat gave before an unfollow arrived must not overwrite the unfollow."""
    openid = BEFORE_FOLLOWERS[10]
    with app.test_request_context():
        status = followers.current()

        def client_while_the_unfollow_lands():
            status.heard(openid, following=False)
            return current_client()

        racing = FollowStatus(status.redis, client_while_the_unfollow_lands, status.ttl)
        assert racing.of(openid) is True  # what WeChat answered, asked before the unfollow
        assert status.of(openid) is False  # what is kept: the newer event


def test_wechat_unreachable_gives_503_and_the_page_does_not_ask_to_follow(factory):
    """The suite's own app reaches no WeChat at all (a closed port)."""
    campaign = factory.campaign(require_follow=True)
    fan = factory.signed_in(factory.player())
    page = fan.get(f"/h5/{campaign.id}/", headers={"User-Agent": "MicroMessenger"})
    assert page.status_code == 200
    assert SHOWN_SCREEN.findall(page.get_data(as_text=True)) == []
    failed = fan.post(f"/h5/{campaign.id}/play")
    assert failed.status_code == 503 and failed.json["error"] == "unavailable"
    assert plays_of(campaign) == 0
