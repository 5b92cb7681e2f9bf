"""Attacks on the player's WeChat sign-in, through the real sandbox on a live server (the code
exchange really travels): a replayed state, a replayed code, a state carried to another browser
and open redirects in ``next``. Each is refused with the friendly HTML page, never a 500, and
the browser ends with no player session."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from sqlalchemy import func, select

from campaigns.models import Player
from campaigns.web.extensions import db

FRIENDLY = "Sign-in did not work"


@pytest.fixture
def sandbox(sandbox, app, app_server):
    """Our redirect_uri on the sandbox's authorized domain (the app server's); the callback is
    then sent to the test client (whose session we can read)."""
    app.config["PUBLIC_BASE_URL"] = app_server.url
    return sandbox


def start(client, next_path: str = "/h5/1/"):
    response = client.get("/oauth/start", query_string={"next": next_path})
    assert response.status_code == 302
    return response.headers["Location"]


def approve(authorize: str, openid: str) -> str:
    """The sandbox's authorize page approving as ``openid``: the path and query of our callback."""
    response = requests.get(authorize.split("#")[0] + f"&openid={openid}", allow_redirects=False)
    assert response.status_code == 302
    parts = urlsplit(response.headers["Location"])
    assert parts.path == "/oauth/callback"
    return f"{parts.path}?{parts.query}"


def player_in_session(client) -> object:
    with client.session_transaction() as session:
        return session.get("player_id")


def assert_refused(response, client):
    assert response.status_code == 400
    assert response.mimetype == "text/html" and FRIENDLY in response.get_data(as_text=True)
    assert "Location" not in response.headers
    assert player_in_session(client) is None


def players() -> int:
    return db.session.scalar(select(func.count()).select_from(Player))


def test_a_replayed_state_is_refused(client, sandbox):
    callback = approve(start(client), "o-attack-0001")
    assert client.get(callback).status_code == 302 and player_in_session(client) is not None
    with client.session_transaction() as session:
        session.pop("player_id"), session.pop("openid")
    assert_refused(client.get(callback), client)  # same state and code, same browser


def test_a_replayed_code_under_a_fresh_state_is_refused(client, sandbox):
    callback = approve(start(client), "o-attack-0002")
    assert client.get(callback).status_code == 302
    code = parse_qs(urlsplit(callback).query)["code"][0]
    state = parse_qs(urlsplit(start(client)).query)["state"][0]
    with client.session_transaction() as session:
        session.pop("player_id"), session.pop("openid")
    response = client.get("/oauth/callback", query_string={"state": state, "code": code})
    assert_refused(response, client)


def test_a_state_from_another_browser_is_refused(app, sandbox):
    attacker, victim = app.test_client(), app.test_client()
    callback = approve(start(attacker), "o-attacker-003")
    start(victim)  # the victim has states of their own, just not this one
    assert_refused(victim.get(callback), victim)
    assert players() == 0  # the code was never exchanged
    assert attacker.get(callback).status_code == 302  # still good for the browser it belongs to


def test_a_forged_state_or_missing_code_is_refused(client, sandbox):
    start(client)
    assert_refused(client.get("/oauth/callback", query_string={"state": "x" * 32}), client)
    state = parse_qs(urlsplit(start(client)).query)["state"][0]
    assert_refused(client.get("/oauth/callback", query_string={"state": state}), client)
    assert players() == 0


@pytest.mark.parametrize(
    "next_path",
    [
        "https://evil.example/",
        "http:evil.example",
        "//evil.example/x",
        "///evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "/\\/evil.example",
        " //evil.example",
        "/\t/evil.example",
        "javascript:alert(1)",
        "",
    ],
)
def test_open_redirects_in_next_are_refused(client, redis, next_path):
    response = client.get("/oauth/start", query_string={"next": next_path})
    assert_refused(response, client)
    with client.session_transaction() as session:
        assert not session.get("oauth_states")
    assert not redis.keys("*oauth*")  # no state was minted
