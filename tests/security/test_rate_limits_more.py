"""The rest of the rate limits at their real size (RATELIMIT_SCALE=1): quiz, OAuth (failed
callbacks; the cap on unfinished sign-ins), console sign-in (per username and per IP), redemption
guessing (API and desk) and the WeChat callback. Each is set to a few per hour so no test depends
on the clock; a hit is our JSON error (the sign-in's friendly page for OAuth), 429 and
Retry-After, and the view behind it did not run."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from sqlalchemy import func, select

from campaigns.management import users
from campaigns.models import FollowEvent, QuizAttempt
from campaigns.web.extensions import db
from campaigns.wechat import keys
from tests.console.conftest import PASSWORD, csrf_token
from tests.games.test_quiz import BANK
from tests.sandbox_client import wechat_settings
from tests.wechat import samples


@pytest.fixture
def strict_app(app, app_on, redis_url):
    def build(**limits):
        return app_on(redis_url, RATELIMIT_SCALE=1, **limits)

    return build


def assert_rate_limited(response):
    assert response.status_code == 429
    assert response.get_json()["error"] == "rate_limited"
    assert int(response.headers["Retry-After"]) >= 1


def count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def test_quiz_dealing_and_grading_are_limited_per_player(strict_app, factory):
    app = strict_app(RATELIMIT_QUIZ="3/hour")
    with app.app_context():
        campaign = factory.campaign(
            game="quiz", questions=BANK, questions_per_attempt=3, pass_score=2
        )
        alice, bob = factory.players(2)
        a = factory.signed_in(alice, app.test_client())
        b = factory.signed_in(bob, app.test_client())  # same IP
        dealt = [a.post(f"/h5/{campaign.id}/quiz") for _ in range(2)]
        assert [r.status_code for r in dealt] == [200, 200]
        attempt = dealt[0].get_json()["attempt_id"]
        graded = a.post(f"/h5/{campaign.id}/quiz/{attempt}", json={"answers": []})
        assert graded.status_code != 429  # the third request in the hour
        attempts = count(QuizAttempt)
        assert_rate_limited(a.post(f"/h5/{campaign.id}/quiz"))
        assert_rate_limited(a.post(f"/h5/{campaign.id}/quiz/{attempt}", json={"answers": []}))
        assert count(QuizAttempt) == attempts  # refused requests dealt nothing
        assert b.post(f"/h5/{campaign.id}/quiz").status_code == 200


def test_claim_writes_have_their_own_limit_per_player(strict_app, factory, clock):
    """RATELIMIT_CLAIM, not the quiz's: two claim writes an hour here; the third is refused
    and stores nothing, another winner is not held back, and the quiz keeps its own count."""
    from tests.prizes.helpers import ADDRESS, KINDS, win_of

    app = strict_app(RATELIMIT_CLAIM="2/hour", RATELIMIT_QUIZ="1/hour")
    with app.app_context():
        campaign = factory.campaign(prizes=KINDS)
        alice, bob = factory.players(2)
        mine = win_of(campaign, campaign.prizes[0], alice, clock.now())
        theirs = win_of(campaign, campaign.prizes[0], bob, clock.now())
        a = factory.signed_in(alice, app.test_client())
        b = factory.signed_in(bob, app.test_client())  # same IP
        url = f"/h5/{campaign.id}/wins/{mine.id}/claim"
        assert a.post(url, json={**ADDRESS, "phone": "1"}).status_code == 422  # counts too
        assert a.post(url, json=ADDRESS).status_code == 200
        assert_rate_limited(a.post(url, json={**ADDRESS, "address": "Elsewhere 9"}))
        db.session.expire_all()
        listed = a.get(f"/h5/{campaign.id}/wins").get_json()["wins"]
        assert [w["claim"]["address"] for w in listed if w["id"] == mine.id] == [ADDRESS["address"]]
        assert b.post(f"/h5/{campaign.id}/wins/{theirs.id}/claim", json=ADDRESS).status_code == 200
    assert app.config["RATELIMIT_CLAIM"] == "2/hour"
    assert strict_app().config["RATELIMIT_CLAIM"] == "10/minute;60/hour"  # the default


def assert_sign_in_refused_for_now(response):
    """The sign-in's friendly page (a person in WeChat's browser), 429 and Retry-After."""
    assert response.status_code == 429 and response.mimetype == "text/html"
    assert "Sign-in did not work" in response.get_data(as_text=True)
    assert int(response.headers["Retry-After"]) >= 1


def _sign_in(client, openid: str):
    """Start in the test client, approve at the live sandbox, come back: the callback."""
    start = client.get("/oauth/start", query_string={"next": "/"})
    assert start.status_code == 302
    approved = requests.get(
        start.headers["Location"].split("#")[0], params={"openid": openid}, allow_redirects=False
    )
    callback = urlsplit(approved.headers["Location"])
    return client.get(f"{callback.path}?{callback.query}")


def test_only_failed_oauth_callbacks_are_counted_per_ip(strict_app, sandbox_server):
    app = strict_app(
        RATELIMIT_OAUTH_FAILED="3/hour",
        PUBLIC_BASE_URL=sandbox_server.url,  # the sandbox's authorized domain
        **wechat_settings(sandbox_server.url),
    )
    with app.app_context():
        # A crowd behind one address signs in: successes are not counted.
        for i in range(6):
            assert _sign_in(app.test_client(), f"o-crowd-{i:04d}").status_code == 302
        client = app.test_client()
        forged = {"state": "forged", "code": "made-up"}
        failures = [client.get("/oauth/callback", query_string=forged) for _ in range(3)]
        assert [r.status_code for r in failures] == [400] * 3
        # Three failures from this address: now even a good round trip waits.
        assert_sign_in_refused_for_now(client.get("/oauth/callback", query_string=forged))
        assert_sign_in_refused_for_now(_sign_in(app.test_client(), "o-crowd-0099"))
        elsewhere = app.test_client().get(
            "/oauth/callback", query_string=forged, environ_base={"REMOTE_ADDR": "10.0.0.9"}
        )
        assert elsewhere.status_code == 400  # another address has its own allowance
        assert client.get("/oauth/start", query_string={"next": "/"}).status_code == 302


def test_unfinished_sign_ins_are_capped_per_ip(strict_app, redis):
    app = strict_app(OAUTH_PENDING_PER_IP=3, OAUTH_STATE_TTL_SECONDS=300)
    client = app.test_client()
    starts = [client.get("/oauth/start", query_string={"next": "/"}) for _ in range(3)]
    assert [r.status_code for r in starts] == [302] * 3
    refused = client.get("/oauth/start", query_string={"next": "/"})
    assert_sign_in_refused_for_now(refused)
    assert "still unfinished" in refused.get_data(as_text=True)
    assert int(refused.headers["Retry-After"]) <= 300
    pending = keys.oauth_pending("ip:127.0.0.1")
    assert redis.zcard(pending) == 3 and 0 < redis.ttl(pending) <= 300
    states = [parse_qs(urlsplit(r.headers["Location"]).query)["state"][0] for r in starts]
    assert all(0 < redis.ttl(keys.oauth_state(state)) <= 300 for state in states)
    # A callback that brings a state back (here without a code: refused) finishes it.
    assert client.get("/oauth/callback", query_string={"state": states[-1]}).status_code == 400
    assert redis.zcard(pending) == 2
    assert client.get("/oauth/start", query_string={"next": "/"}).status_code == 302
    other = app.test_client().get(
        "/oauth/start", query_string={"next": "/"}, environ_base={"REMOTE_ADDR": "10.0.0.9"}
    )
    assert other.status_code == 302  # another address has its own


def _login(client, username, password, ip="127.0.0.1"):
    token = csrf_token(client)
    return client.post(
        "/admin/login",
        data={"username": username, "password": password, "csrf_token": token},
        environ_base={"REMOTE_ADDR": ip},
    )


def test_console_login_is_throttled_per_username(strict_app, clock):
    app = strict_app(RATELIMIT_LOGIN_USER="3/hour", RATELIMIT_LOGIN_IP="100/hour")
    with app.app_context():
        users.create_user(db.session, "mia", "marketer", PASSWORD, clock.now())
        users.create_user(db.session, "max", "marketer", PASSWORD, clock.now())
    guesser = app.test_client()
    wrong = [_login(guesser, "mia", f"guess-{i}", ip=f"10.0.1.{i}") for i in range(3)]
    assert [r.status_code for r in wrong] == [401] * 3
    # From a fresh address, with the right password, or with the case changed: still refused.
    assert_rate_limited(_login(app.test_client(), "mia", PASSWORD, ip="10.0.2.1"))
    assert_rate_limited(_login(app.test_client(), " MIA ", PASSWORD, ip="10.0.2.2"))
    assert _login(app.test_client(), "max", PASSWORD, ip="10.0.2.3").status_code == 302
    assert guesser.get("/admin/login").status_code == 200  # the form itself is not counted


def test_console_login_is_throttled_per_ip(strict_app, clock):
    app = strict_app(RATELIMIT_LOGIN_USER="100/hour", RATELIMIT_LOGIN_IP="3/hour")
    with app.app_context():
        users.create_user(db.session, "mia", "marketer", PASSWORD, clock.now())
    client = app.test_client()
    assert [_login(client, f"user{i}", "x" * 12).status_code for i in range(3)] == [401] * 3
    assert_rate_limited(_login(client, "mia", PASSWORD))
    assert _login(app.test_client(), "mia", PASSWORD, ip="10.0.3.1").status_code == 302


def _win_code(factory):
    from campaigns.models import Win

    campaign = factory.campaign(prizes=[{"name": "Mug", "stock": 5, "probability": 1.0}])
    player = factory.player()
    client = factory.signed_in(player)
    assert client.post(f"/h5/{campaign.id}/play").get_json()["outcome"] == "win"
    return db.session.scalar(select(Win.code))


def test_redemption_guessing_is_throttled_per_token(strict_app, factory):
    app = strict_app(RATELIMIT_REDEEM="3/hour")
    with app.app_context():
        code = _win_code(factory)
        mine, other = factory.token("marketer"), factory.token("marketer")
        client = app.test_client()
        auth = {"Authorization": f"Bearer {mine}"}
        assert client.get(f"/api/redemptions/{code}", headers=auth).status_code == 200  # a hit
        misses = [
            client.post(f"/api/redemptions/{'A' * 15}{c}", headers=auth).status_code for c in "BCD"
        ]
        assert misses == [404, 404, 404]
        # Out of guesses: even the real code is refused now, and stays unredeemed.
        assert_rate_limited(client.post(f"/api/redemptions/{code}", headers=auth))
        assert_rate_limited(client.get(f"/api/redemptions/{code}", headers=auth))
        theirs = client.get(
            f"/api/redemptions/{code}", headers={"Authorization": f"Bearer {other}"}
        )
        assert theirs.status_code == 200 and theirs.get_json()["redeemed_at"] is None


def test_the_redemption_desk_throttles_guessing_per_user(strict_app, factory, clock):
    app = strict_app(RATELIMIT_REDEEM="3/hour")
    with app.app_context():
        code = _win_code(factory)
        users.create_user(db.session, "sam", "marketer", PASSWORD, clock.now())
        desk = app.test_client()
        assert _login(desk, "sam", PASSWORD).status_code == 302
        token = csrf_token(desk, "/admin/redeem")
        assert desk.get("/admin/redeem").status_code == 200  # no code: not a guess
        for guess in ("AAAAAAAAAAAAAAAB", "AAAAAAAAAAAAAAAC", "AAAAAAAAAAAAAAAD"):
            assert (
                desk.post("/admin/redeem", data={"code": guess, "csrf_token": token}).status_code
                == 404
            )
        assert_rate_limited(desk.post("/admin/redeem", data={"code": code, "csrf_token": token}))
        assert_rate_limited(desk.get("/admin/redeem", query_string={"code": code}))


def test_the_wechat_callback_is_limited_per_ip(strict_app):
    app = strict_app(RATELIMIT_CALLBACK="3/hour")
    with app.app_context():
        client = app.test_client()
        statuses = []
        for i in range(3):
            url, body = samples.plain_request(samples.event(f"o-flood-{i:05d}", "subscribe"))
            statuses.append(client.post(url, data=body, content_type="text/xml").status_code)
        assert statuses == [200] * 3
        url, body = samples.plain_request(samples.event("o-flood-99999", "subscribe"))
        assert_rate_limited(client.post(url, data=body, content_type="text/xml"))
        assert count(FollowEvent) == 3  # the refused one was not stored
        elsewhere = client.post(
            url, data=body, content_type="text/xml", environ_base={"REMOTE_ADDR": "10.0.4.1"}
        )
        assert elsewhere.status_code == 200
