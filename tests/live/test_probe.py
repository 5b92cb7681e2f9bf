"""What an outside probe found (issue 17), each attack replayed against the product as deployed:
the Procfile's gunicorn and worker, WeChat at the sandbox's URL. Each test is the attack as the
probe ran it; it succeeded before the fix and must now fail to work. One deployment for the
module (servers are expensive); tests that spend an allowance of a rate limit say so.
"""

from __future__ import annotations

import html
import json
import re
import time
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import limits
import pytest
import redis
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import func, select
from wechatpy.utils import WeChatSigner

from campaigns.management import simulator, tokens
from campaigns.models import FollowEvent
from campaigns.web import ratelimits
from campaigns.web.extensions import db
from devtools.sandbox import events
from tests.conftest import free_port
from tests.live.conftest import deploy
from tests.live.deployment import CONSOLE_PASSWORD, SECRET_KEY, browser, sign_in_player
from tests.live.routes import QUESTIONS, WECHAT_TOKEN, World
from tests.live_server import LiveServer
from tests.sandbox_client import wait_for

pytestmark = pytest.mark.one_database  # attacks on HTTP and Redis; nothing SQL-specific

PLAYER = "o-probe-player-0001"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
PRIZE_INPUT = ("id", "name", "stock", "probability", "pacing", "image_url")


@pytest.fixture(scope="module")
def deployment(database_url, tmp_path_factory):
    # The limits as deployed, but for the admin API's own (the tests set campaigns up through
    # it faster than a marketer would; its limit is tested in security/test_rate_limits.py).
    yield from deploy(
        database_url,
        tmp_path_factory,
        "live-probe",
        RATELIMIT_SCALE="1",
        RATELIMIT_ADMIN="1000/second",
    )


@pytest.fixture(scope="module")
def world(deployment):
    world = World(deployment, PLAYER)
    world.sessions["marketer"] = browser()
    world.sessions["marketer"].headers["Authorization"] = f"Bearer {deployment.token('marketer')}"
    world.sessions["anonymous"] = browser()
    world.sessions["player"] = sign_in_player(deployment.url, PLAYER)
    yield world
    for session in world.sessions.values():
        session.close()


# -- 1. a published campaign's prizes keep their identity ------------------------------------


def test_prizes_cannot_be_swapped_after_publishing(world):
    """The probe's PATCH swapped two prizes' names and stock between their ids, so an earlier
    iPhone win showed as "Coupon". Now a published prize's name and image are frozen (409),
    its win keeps its name, and the audit shows the table committed at go-live."""
    campaign = world.new_campaign(
        "live",
        plays_per_user_per_day=1,
        prizes=[
            {"name": "iPhone", "stock": 5, "probability": 0.5},
            {"name": "Coupon", "stock": 100, "probability": 0.5},
        ],
    )
    won = world.sessions["player"].post(f"{world.url}/h5/{campaign}/play").json()
    won_name = won["prize"]["name"]
    iphone, coupon = (
        {k: p[k] for k in PRIZE_INPUT}
        for p in world.api("GET", f"/api/campaigns/{campaign}")["prizes"]
    )
    swapped = [
        {**iphone, "name": coupon["name"], "stock": coupon["stock"]},
        {**coupon, "name": iphone["name"], "stock": iphone["stock"]},
    ]
    response = world.request(
        "marketer", "PATCH", f"/api/campaigns/{campaign}", json={"prizes": swapped}
    )
    assert response.status_code == 409, response.text
    assert set(response.json()["fields"]) == {"prizes.0.name", "prizes.1.name"}, response.json()
    renamed = [{**iphone, "name": "iPhone 16"}, coupon]
    response = world.request(
        "marketer", "PATCH", f"/api/campaigns/{campaign}", json={"prizes": renamed}
    )
    assert response.status_code == 409, response.text
    # Restocking, SPEC's one change to a published prize, still works.
    raised = world.api(
        "PATCH", f"/api/campaigns/{campaign}", json={"prizes": [{**iphone, "stock": 9}, coupon]}
    )
    assert [(p["name"], p["stock"]) for p in raised["prizes"]] == [("iPhone", 9), ("Coupon", 100)]

    # The player's prizes page reads SQL, which the worker's ledger writer fills within moments.
    prizes = f"{world.url}/h5/{campaign}/prizes"
    assert wait_for(lambda: won_name in world.sessions["player"].get(prizes).text)
    world.api("POST", f"/api/campaigns/{campaign}/status", json={"status": "ended"})
    audit = world.request("anonymous", "GET", f"/api/campaigns/{campaign}/audit")
    header = json.loads(audit.text.splitlines()[0])
    assert [(p["name"], p["probability"]) for p in header["prizes"]] == [
        ("iPhone", 0.5),
        ("Coupon", 0.5),
    ]


# -- 3. console sessions end when they should; API tokens can expire ------------------------


def console_sign_in(world: World, username: str, page_browser=None):
    """(the browser, a CSRF token of its signed-in pages)."""
    console = page_browser or browser()
    login = console.get(world.url + "/admin/login").text
    signed_in = console.post(
        world.url + "/admin/login",
        data={"username": username, "password": CONSOLE_PASSWORD, "csrf_token": csrf_of(login)},
        allow_redirects=False,
    )
    assert signed_in.status_code == 302, signed_in.text[:300]
    return console, csrf_of(console.get(world.url + "/admin/").text)


def csrf_of(page: str) -> str:
    return CSRF.search(page).group(1)


def copy_of(original):
    """Another browser holding the same cookies (the probe's saved cookie)."""
    saved = browser()
    saved.cookies.update(original.cookies)
    return saved


def status_change(world: World, console, csrf: str, campaign: int):
    return console.post(
        f"{world.url}/admin/campaigns/{campaign}/status",
        data={"csrf_token": csrf, "status": "paused"},
        allow_redirects=False,
    )


def test_a_cookie_saved_before_logout_is_signed_out(world):
    world.deployment.console_user("lou", "marketer")
    campaign = world.new_campaign("live")
    console, csrf = console_sign_in(world, "lou")
    saved = copy_of(console)
    out = console.post(world.url + "/admin/logout", data={"csrf_token": csrf})
    assert out.status_code == 200  # back at the sign-in page
    replayed = saved.get(world.url + "/admin/", allow_redirects=False)
    assert replayed.status_code == 302 and "/admin/login" in replayed.headers["Location"]
    assert status_change(world, copy_of(saved), csrf, campaign).status_code in (302, 400)
    assert world.api("GET", f"/api/campaigns/{campaign}")["status"] == "live"


def test_signing_in_starts_a_new_session_and_a_new_csrf_secret(world):
    world.deployment.console_user("liz", "marketer")
    campaign = world.new_campaign("live")
    before = browser()
    token_before = csrf_of(before.get(world.url + "/admin/login").text)
    console, csrf = console_sign_in(world, "liz", before)
    refused = status_change(world, console, token_before, campaign)
    assert refused.status_code == 400, refused.text[:300]
    other, _ = console_sign_in(world, "liz")
    assert other.cookies["session"] != console.cookies["session"]
    assert status_change(world, console, csrf, campaign).status_code == 302
    assert world.api("GET", f"/api/campaigns/{campaign}")["status"] == "paused"


def test_a_password_change_or_disabling_the_user_ends_their_sessions(world):
    for username in ("pat", "dan"):
        world.deployment.console_user(username, "marketer")
    pat, _ = console_sign_in(world, "pat")
    dan, _ = console_sign_in(world, "dan")
    world.deployment.flask("user", "password", "--username", "pat", "--password", "a new one 123")
    world.deployment.flask("user", "disable", "--username", "dan")
    for console in (pat, dan):
        response = console.get(world.url + "/admin/", allow_redirects=False)
        assert response.status_code == 302 and "/admin/login" in response.headers["Location"]


class OldSigner(TimestampSigner):
    """Signs as if five hours ago."""

    def get_timestamp(self) -> int:
        return int(time.time()) - 5 * 3600


def test_a_csrf_token_expires(world):
    """A form token minted five hours ago (past CONSOLE_CSRF_SECONDS), with this session's own
    CSRF secret, is refused."""
    world.deployment.console_user("ora", "marketer")
    campaign = world.new_campaign("live")
    console, _ = console_sign_in(world, "ora")
    app = world.deployment.configured_app
    secret = app.session_interface.get_signing_serializer(app).loads(console.cookies["session"])
    old = URLSafeTimedSerializer(SECRET_KEY, salt="wtf-csrf-token", signer=OldSigner)
    refused = status_change(world, console, old.dumps(secret["csrf_token"]), campaign)
    assert refused.status_code == 400, refused.text[:300]
    assert world.api("GET", f"/api/campaigns/{campaign}")["status"] == "live"
    # The same secret signed now works: the age alone was refused.
    fresh = URLSafeTimedSerializer(SECRET_KEY, salt="wtf-csrf-token")
    assert (
        status_change(world, console, fresh.dumps(secret["csrf_token"]), campaign).status_code
        == 302
    )
    assert world.api("GET", f"/api/campaigns/{campaign}")["status"] == "paused"


def test_api_tokens_expire_and_are_listed_and_revoked_with_the_cli(world):
    deployment = world.deployment
    with deployment.configured_app.app_context():
        now = datetime.now(UTC)
        lapsed = tokens.create_token(db.session, "analyst", "lapsed", now, now - timedelta(1))
        kept = tokens.create_token(db.session, "analyst", "kept", now, now + timedelta(1))
    reader = browser()
    for token, status in ((lapsed, 401), (kept, 200)):
        reader.headers["Authorization"] = f"Bearer {token}"
        assert reader.get(world.url + "/api/campaigns").status_code == status
    listed = {line.split("\t")[2]: line for line in deployment.flask("token", "list").splitlines()}
    assert listed["lapsed"].endswith("expired") and listed["kept"].endswith("active"), listed
    deployment.flask("token", "revoke", listed["kept"].split("\t")[0])
    assert reader.get(world.url + "/api/campaigns").status_code == 401
    assert "revoked" in deployment.flask("token", "list").splitlines()[-1]


# -- 4-6. WeChat's callback ------------------------------------------------------------------


def signed_query(nonce: str, timestamp: int | None = None) -> dict:
    """The query WeChat signs a plain-mode callback with (the account's default token)."""
    timestamp_text = str(int(time.time()) if timestamp is None else timestamp)
    signer = WeChatSigner()
    signer.add_data(WECHAT_TOKEN, timestamp_text, nonce)
    return {"signature": signer.signature, "timestamp": timestamp_text, "nonce": nonce}


def post_callback(world: World, query: dict, xml: str):
    return world.request(
        "anonymous",
        "POST",
        "/wechat",
        params=query,
        data=xml.encode(),
        headers={"Content-Type": "text/xml"},
    )


def follows_of(world: World, openid: str) -> int:
    with world.deployment.configured_app.app_context():
        return db.session.scalar(
            select(func.count()).select_from(FollowEvent).where(FollowEvent.openid == openid)
        )


def test_one_signed_url_carries_one_message(world):
    """The probe replayed one captured signature with three different ``subscribe`` events;
    only the first counts now. The same message again (WeChat's own retry) is still answered."""
    query = signed_query("probe-replay")
    now = int(time.time())
    first = events.event_xml("o-probe-follower-1", now, "subscribe")
    assert post_callback(world, query, first).status_code == 200
    for number in (2, 3):
        forged = events.event_xml(f"o-probe-follower-{number}", now, "subscribe")
        replayed = post_callback(world, query, forged)
        assert replayed.status_code == 403, replayed.text
        assert follows_of(world, f"o-probe-follower-{number}") == 0
    retried = post_callback(world, query, first)
    assert retried.status_code == 200, retried.text
    assert follows_of(world, "o-probe-follower-1") == 1


def test_production_refuses_to_start_with_the_default_callback_token(world, tmp_path):
    """The Procfile's gunicorn with PRODUCTION=1 and a proper secret, but WeChat's token left
    at the published default: it does not start."""
    env = {
        **world.deployment.env,
        "PRODUCTION": "1",
        "SECRET_KEY": "s" * 48,
        "WECHAT_TOKEN": WECHAT_TOKEN,
    }
    server = LiveServer(free_port(), env, workers=1, log_path=tmp_path / "web.log")
    with pytest.raises(RuntimeError, match="exited"):
        server.start()
    assert "WECHAT_TOKEN must be the account's own" in (tmp_path / "web.log").read_text()


def test_a_campaign_name_cannot_add_elements_to_a_keyword_reply(world):
    """Item 5 was already fixed (campaigns/wechat/replies.py builds replies with wechatpy's
    TextReply and splits ``]]>``); this is the probe's attack, live."""
    name = "Win]]></Content><MsgType><![CDATA[news]]></MsgType><Content><![CDATA[x"
    world.new_campaign("live", name=name, keyword="PROBE5")
    xml = events.text_xml("o-probe-reader", int(time.time()), "PROBE5", 5005)
    reply = post_callback(world, signed_query("probe-cdata"), xml)
    assert reply.status_code == 200, reply.text
    root = ET.fromstring(reply.content)
    assert len(root.findall("MsgType")) == 1 and len(root.findall("Content")) == 1
    assert html.escape(name, quote=False) in root.findtext("Content")


MALFORMED = {
    "CreateTime": events.message_xml("o-probe-bad", 0, "text", Content="hi", MsgId=1).replace(
        "<CreateTime>0</CreateTime>", "<CreateTime>abc</CreateTime>"
    ),
    "MsgId": events.text_xml("o-probe-bad", 1, "hi", 1).replace(
        "<MsgId>1</MsgId>", "<MsgId>abc</MsgId>"
    ),
    "Content": events.text_xml("o-probe-bad", 1, "hi", 2).replace(
        "<Content><![CDATA[hi]]></Content>", "<Content><b>hi</b></Content>"
    ),
    "EventKey": events.event_xml("o-probe-bad", 1, "CLICK", "k").replace(
        "<EventKey><![CDATA[k]]></EventKey>", "<EventKey><b>k</b></EventKey>"
    ),
}


@pytest.mark.parametrize("field", sorted(MALFORMED))
def test_malformed_signed_messages_are_refused_not_500(world, field):
    response = post_callback(world, signed_query(f"probe-bad-{field}"), MALFORMED[field])
    assert response.status_code == 400, response.text
    assert world.deployment.failures_in_logs() == []


# -- 2. drafts are not public; QR codes are made for published campaigns, once ---------------


def qr_creations(world: World, campaign: int) -> int:
    scene = f"campaign-{campaign}"
    return sum(
        call["body"]["action_info"]["scene"]["scene_str"] == scene
        for call in world.deployment.sandbox.calls("cgi-bin/qrcode/create")
    )


def test_a_draft_is_not_served_to_players(world):
    draft = world.new_campaign(rules="Secret launch: the iPhone draw.")
    for path in ("rules", "follow-qr.svg", "look.css", "", "prizes"):
        for who in ("anonymous", "player"):
            response = world.request(who, "GET", f"/h5/{draft}/{path}")
            assert response.status_code == 404, (who, path, response.status_code)
            assert "Secret launch" not in response.text
    assert qr_creations(world, draft) == 0
    forbidden = world.request("marketer", "GET", f"/api/campaigns/{draft}/qr.png")
    assert forbidden.status_code == 409 and qr_creations(world, draft) == 0


def test_a_published_campaigns_code_is_made_once(world):
    campaign = world.new_campaign("live")
    with ThreadPoolExecutor(8) as pool:
        statuses = list(
            pool.map(
                lambda _: browser().get(f"{world.url}/h5/{campaign}/follow-qr.svg").status_code,
                range(8),
            )
        )
    assert set(statuses) <= {200, 503} and 200 in statuses, statuses
    again = world.request("anonymous", "GET", f"/h5/{campaign}/follow-qr.svg")
    assert again.status_code == 200
    assert qr_creations(world, campaign) == 1


def test_making_codes_is_rate_limited_per_ip(world):
    """Spends this address's allowance of code creations (RATELIMIT_QR_CREATE), starting from
    a whole one: the module's earlier tests made codes from the same address, within the hour."""
    counts = redis.Redis.from_url(world.deployment.redis.url)
    for key in counts.scan_iter(match=f"*limit:{ratelimits.QR_CREATE}*"):
        counts.delete(key)
    per_minute = next(
        item.amount
        for item in limits.parse_many(ratelimits.QR_CREATE_LIMIT)
        if item.GRANULARITY.name == "minute"
    )
    # Twice the allowance and one: the test may straddle two of the limit's minute windows.
    campaigns = [world.new_campaign("live") for _ in range(2 * per_minute + 1)]
    statuses = [
        world.request("anonymous", "GET", f"/h5/{c}/follow-qr.svg").status_code for c in campaigns
    ]
    assert statuses.count(429) >= 1 and statuses[0] == 200, statuses
    assert qr_creations(world, campaigns[-1]) == 0
    # A code already made is still served to everyone.
    made = world.request("anonymous", "GET", f"/h5/{campaigns[0]}/follow-qr.svg")
    assert made.status_code == 200


# -- 7. deep JSON; 10. the Host header -------------------------------------------------------


def test_deeply_nested_json_is_a_400_not_a_500(world):
    campaign = world.new_campaign("live")
    quiz = world.new_campaign(
        "live", game="quiz", questions=QUESTIONS, questions_per_attempt=3, pass_score=2
    )
    deep = b"[" * 100_000 + b"]" * 100_000
    attempt = world.request("player", "POST", f"/h5/{quiz}/quiz").json()["attempt_id"]
    for who, method, path in (
        ("marketer", "PATCH", f"/api/campaigns/{campaign}"),
        ("marketer", "POST", "/api/campaigns"),
        ("player", "POST", f"/h5/{quiz}/quiz/{attempt}"),
    ):
        response = world.request(
            who, method, path, data=deep, headers={"Content-Type": "application/json"}
        )
        assert response.status_code == 400, (path, response.status_code, response.text[:200])
        assert response.json()["fields"] == {"body": [response.json()["message"]]}
    assert world.deployment.failures_in_logs() == []


def test_a_forged_host_is_refused_not_reflected(world):
    """``Host: evil.example`` came back in the Location of a redirect (a path without its
    trailing slash); now only PUBLIC_BASE_URL's host is served."""
    campaign = world.new_campaign("live")
    forged = world.request("anonymous", "GET", f"/h5/{campaign}", headers={"Host": "evil.example"})
    assert forged.status_code == 400, forged.headers
    assert "Location" not in forged.headers and forged.json()["error"] == "bad_request"
    honest = world.request("anonymous", "GET", f"/h5/{campaign}")
    assert honest.status_code in (301, 308)
    assert honest.headers["Location"].startswith((world.url + "/", "/")), honest.headers


# -- 11. the quiz's timer --------------------------------------------------------------------


def test_reopening_a_timed_quiz_resumes_its_clock(world):
    """Reopening resumed the open attempt while the page counted a fresh limit. Now the page
    starts with a POST, and a resumed attempt (by POST, or SPEC's GET) says what is left of its
    first start."""
    quiz = world.new_campaign(
        "live",
        game="quiz",
        questions=QUESTIONS,
        questions_per_attempt=3,
        pass_score=2,
        quiz_seconds=10,
    )
    first = world.request("player", "POST", f"/h5/{quiz}/quiz").json()
    resumed = world.request("player", "POST", f"/h5/{quiz}/quiz").json()
    reopened = world.request("player", "GET", f"/h5/{quiz}/quiz").json()
    assert resumed["attempt_id"] == first["attempt_id"] == reopened["attempt_id"]
    assert 0 <= reopened["seconds_left"] <= resumed["seconds_left"] <= first["seconds_left"]
    assert first["seconds_left"] <= first["seconds"] == 10


# -- 8. simulations are bounded and rate-limited ---------------------------------------------


def test_simulations_are_bounded_and_rate_limited(world):
    """A million plays took 3.5 s of a worker and sixteen at once stalled the server. The size
    is bounded now (422 naming ``plays``), and one token or console user may run only so many
    (RATELIMIT_SIMULATION; this spends the allowance of the module's marketer token)."""
    world.deployment.console_user("sam", "marketer")
    campaign = world.new_campaign()
    path = f"/api/campaigns/{campaign}/simulation"
    huge = world.request("marketer", "GET", path, params={"plays": simulator.MAX_PLAYS * 10})
    assert huge.status_code == 422 and "plays" in huge.json()["fields"], huge.text
    per_minute = next(
        item.amount
        for item in limits.parse_many(ratelimits.SIMULATION_LIMIT)
        if item.GRANULARITY.name == "minute"
    )
    console, _ = console_sign_in(world, "sam")
    for run in (
        lambda: world.request("marketer", "GET", path, params={"plays": 10}),
        lambda: console.get(
            f"{world.url}/admin/campaigns/{campaign}/simulate", params={"plays": 10}
        ),
    ):
        # Twice the allowance and one: the runs may straddle two minute windows.
        statuses = [run().status_code for _ in range(2 * per_minute + 1)]
        assert statuses[0] == 200 and 429 in statuses, statuses
    assert console.get(f"{world.url}/admin/campaigns/{campaign}/simulate").status_code == 200
