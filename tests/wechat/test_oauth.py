"""OAuth end to end on real HTTP servers: the app's gunicorn sends a new browser to the sandbox's
own server (another host, as WeChat is), which approves and sends it back with a code the app
exchanges over HTTP; the browser plays with the session cookie it got. Bad, foreign and replayed
states and codes get the friendly 400 page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from sqlalchemy import select

from campaigns.models import Player
from campaigns.web.extensions import db


@pytest.fixture
def open_campaign(factory):
    """Open at the real time the live server's clock reads."""
    now = datetime.now(UTC)
    return factory.campaign(
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(days=1),
        prizes=[{"name": "Coupon", "stock": 5, "probability": 1.0}],
    )


def authorize_url(browser: requests.Session, server, next_path: str) -> str:
    start = browser.get(
        f"{server.url}/oauth/start", params={"next": next_path}, allow_redirects=False
    )
    assert start.status_code == 302
    location = start.headers["Location"]
    assert location.startswith(f"{server.env['WECHAT_SANDBOX_URL']}/connect/oauth2/authorize?")
    query = parse_qs(urlsplit(location).query)
    assert query["scope"] == ["snsapi_base"] and query["state"][0]
    return location


def approve(browser: requests.Session, authorize: str, openid: str) -> str:
    """The sandbox's authorize page approving at once as ``openid``: the callback URL."""
    url = authorize.split("#")[0] + f"&openid={openid}"
    response = browser.get(url, allow_redirects=False)
    assert response.status_code == 302
    return response.headers["Location"]


def test_a_new_browser_signs_in_and_plays(app_server, sandbox, open_campaign):
    base = app_server.url
    browser = requests.Session()
    next_path = f"/h5/{open_campaign.id}/?from=menu"
    callback = approve(browser, authorize_url(browser, app_server, next_path), "o-e2e-player-1")
    assert callback.startswith(f"{base}/oauth/callback?")
    back = browser.get(callback, allow_redirects=False)
    assert back.status_code == 302 and back.headers["Location"] == next_path
    assert "session" in browser.cookies

    played = browser.post(f"{base}/h5/{open_campaign.id}/play", json={})
    assert played.status_code == 200, played.text
    assert played.json()["outcome"] == "win"
    player = db.session.scalar(select(Player).where(Player.openid == "o-e2e-player-1"))
    assert player is not None
    exchanges = sandbox.calls("sns/oauth2/access_token")
    assert len(exchanges) == 1 and exchanges[0]["errcode"] == 0

    # The same callback URL again (a replayed state and code) is refused, kindly.
    again = browser.get(callback, allow_redirects=False)
    assert again.status_code == 400 and "text/html" in again.headers["Content-Type"]


def test_without_a_session_play_is_refused(app_server, open_campaign):
    response = requests.post(f"{app_server.url}/h5/{open_campaign.id}/play", json={})
    assert response.status_code == 401 and response.json()["error"] == "no_session"


def test_a_state_from_another_browser_is_refused(app_server, sandbox, open_campaign):
    victim, attacker = requests.Session(), requests.Session()
    callback = approve(attacker, authorize_url(attacker, app_server, "/"), "o-attacker-01")
    response = victim.get(callback, allow_redirects=False)
    assert response.status_code == 400 and "session" not in victim.cookies
    assert db.session.scalar(select(Player)) is None


def test_a_made_up_state_and_code_are_refused(app_server, sandbox):
    browser = requests.Session()
    authorize_url(browser, app_server, "/")
    response = browser.get(
        f"{app_server.url}/oauth/callback", params={"code": "nope", "state": "forged"}
    )
    assert response.status_code == 400 and "Sign-in did not work" in response.text


def test_a_replayed_code_with_a_fresh_state_is_refused(app_server, sandbox):
    base = app_server.url
    browser = requests.Session()
    first = approve(browser, authorize_url(browser, app_server, "/"), "o-replay-0001")
    assert browser.get(first, allow_redirects=False).status_code == 302
    code = parse_qs(urlsplit(first).query)["code"][0]
    fresh = browser.get(f"{base}/oauth/start", params={"next": "/"}, allow_redirects=False)
    state = parse_qs(urlsplit(fresh.headers["Location"]).query)["state"][0]
    response = browser.get(f"{base}/oauth/callback", params={"code": code, "state": state})
    assert response.status_code == 400


@pytest.mark.parametrize(
    "next_path", ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:x"]
)
def test_only_local_paths_are_returned_to(client, next_path):
    response = client.get("/oauth/start", query_string={"next": next_path})
    assert response.status_code == 400
