"""The report's follower gain counts our own follow events (labelled so) and shows WeChat's check
of the campaign's new followers beside it (user/info/batchget, in a job, 100 openids a call,
bounded): who follows now, and who left without their unfollow event ever reaching us."""

from __future__ import annotations

from datetime import timedelta

from rq import Queue

from campaigns.core import queues
from campaigns.core.clock import utc_naive
from campaigns.management import users
from campaigns.models import FollowEvent
from campaigns.web.extensions import db
from devtools.sandbox.start_state import BEFORE_FOLLOWERS
from tests.console.conftest import PASSWORD, sign_in

BATCHGET = "cgi-bin/user/info/batchget"


def report(client, factory, campaign) -> dict:
    answer = client.get(
        f"/api/campaigns/{campaign.id}/report",
        headers={"Authorization": f"Bearer {factory.token('analyst')}"},
    )
    assert answer.status_code == 200, answer.json
    return answer.json["followers"]


def queued(redis) -> int:
    return Queue(queues.REPORTS, connection=redis).count


def test_the_report_shows_wechats_check_beside_our_events(
    app, client, factory, sandbox, run_jobs, redis
):
    campaign = factory.campaign()
    scene = f"campaign-{campaign.id}"
    stays, leaves, leaves_unheard = "o-gained-0001", "o-gained-0002", "o-gained-0003"
    for openid in (stays, leaves, leaves_unheard):
        assert sandbox.phone(openid, "scan", scene=scene)["status"] == 200  # follows through it
    assert sandbox.phone(leaves, "unfollow")["status"] == 200  # and we hear of it
    sandbox.set_follower(leaves_unheard, subscribe=False)  # while our server was down

    first = report(client, factory, campaign)
    assert (first["source"], first["followed"], first["unfollowed"]) == ("follow events", 3, 1)
    assert first["wechat"] is None  # asked for, not waited on
    assert sandbox.calls(BATCHGET) == []
    assert queued(redis) == 1

    run_jobs()
    [call] = sandbox.calls(BATCHGET)
    assert sorted(u["openid"] for u in call["body"]["user_list"]) == [stays, leaves, leaves_unheard]
    checked = report(client, factory, campaign)["wechat"]
    assert checked["source"] == "user/info/batchget" and checked["checked_at"]
    assert (checked["checked"], checked["capped"]) == (3, False)
    assert (checked["following_now"], checked["left_unheard"]) == (1, 1)

    report(client, factory, campaign)  # checked within the hour: not asked again
    assert queued(redis) == 0
    text = app.test_cli_runner().invoke(args=["report", str(campaign.id)]).output
    assert "wechat_left_unheard" in text and "follow events" in text


def test_the_check_is_batched_by_100_and_bounded(app, client, factory, sandbox, run_jobs, clock):
    """50 followers from before and 200 strangers gained; the check asks about 220 at most."""
    app.config["WECHAT_FOLLOWER_CHECK_LIMIT"] = 220
    campaign = factory.campaign()
    gained = [*BEFORE_FOLLOWERS, *(f"o-stranger-{n:04d}" for n in range(200))]
    start = utc_naive(clock.now() - timedelta(days=3))
    db.session.add_all(
        FollowEvent(
            openid=openid,
            event="subscribe",
            campaign_id=campaign.id,
            created_at=start + timedelta(minutes=n),
        )
        for n, openid in enumerate(gained)
    )
    db.session.commit()

    report(client, factory, campaign)
    run_jobs()
    sizes = [len(c["body"]["user_list"]) for c in reversed(sandbox.calls(BATCHGET))]
    assert sizes == [100, 100, 20]
    checked = report(client, factory, campaign)["wechat"]
    assert (checked["checked"], checked["capped"]) == (220, True)  # the earliest 220
    assert (checked["following_now"], checked["left_unheard"]) == (50, 170)


def test_the_console_report_names_both_sources(app, factory, sandbox, run_jobs, clock):
    campaign = factory.campaign()
    assert sandbox.phone("o-gained-0009", "scan", scene=f"campaign-{campaign.id}")["status"] == 200
    users.create_user(db.session, "ann", "analyst", PASSWORD, clock.now())
    console = app.test_client()
    assert sign_in(console, "ann").status_code == 302
    pending = console.get(f"/admin/campaigns/{campaign.id}/report").get_data(as_text=True)
    assert "以上数字按本服务器收到的关注事件统计。" in pending
    assert 'id="wechat-check-pending"' in pending
    run_jobs()
    page = console.get(f"/admin/campaigns/{campaign.id}/report").get_data(as_text=True)
    assert '<td class="num" id="wechat-following-now">1 / 1</td>' in page
    assert '<td class="num" id="wechat-left-unheard">0</td>' in page
