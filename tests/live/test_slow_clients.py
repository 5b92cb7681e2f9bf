"""Slow clients cannot starve the server (issue 17, item 9): the probe's 16 sockets, each
holding half a request line, against gunicorn as each deployment runs it.

Straight at gunicorn bound to loopback (gthread, 4 × 4 threads) they leave /healthz without an
answer for over 120 s (``python -m bench.slow_clients``); that set-up is only ever meant to sit
behind a proxy. These tests check the two ways the product is exposed: gunicorn binding ``PORT``
itself, and behind docs/nginx.conf. The waits below are bounds on "answers at all", not speed:
a held server would not answer within them."""

from __future__ import annotations

import pytest
import requests

from tests.conftest import skip_or_fail
from tests.ledger import caught_up
from tests.live.deployment import Deployment, sign_in_player
from tests.live.routes import World
from tests.live.slow_clients import SLOW, nginx_in_front, nginx_program, slow_sockets

pytestmark = [pytest.mark.one_database, pytest.mark.slow]

# Far beyond any answer of a server that is not held (the held one gives none in 120 s).
ANSWER_WITHIN = 60


@pytest.fixture(scope="module")
def public_deployment(database_url, tmp_path_factory):
    """The Procfile's web line started as a platform starts it: PORT alone, 4 processes."""
    deployment = Deployment(
        tmp_path_factory.mktemp("live-port"), database_url, workers=4, by_port=True
    )
    try:
        yield deployment.start()
    finally:
        deployment.stop()


def test_bound_by_port_gunicorn_runs_gevent_workers(public_deployment):
    log = public_deployment.app.log_path.read_text()
    assert "Using worker: gevent" in log
    assert "Listening at: http://0.0.0.0:" in log


def test_bound_by_port_sixteen_slow_sockets_leave_players_playing(public_deployment):
    """With the probe's sockets held, a player signs in, plays, and an analyst's streamed
    export is read to its end: the whole request path works under gevent workers."""
    world = World(public_deployment, "o-slow-clients-player")
    world.sessions["marketer"] = requests.Session()
    world.sessions["marketer"].headers["Authorization"] = (
        f"Bearer {public_deployment.token('marketer')}"
    )
    campaign = world.new_campaign("live")
    url = public_deployment.url
    with slow_sockets(public_deployment.app.port, SLOW):
        assert requests.get(f"{url}/healthz", timeout=ANSWER_WITHIN).status_code == 200
        player = sign_in_player(url, world.player_openid, f"/h5/{campaign}/")
        played = player.post(f"{url}/h5/{campaign}/play", timeout=ANSWER_WITHIN)
        assert played.status_code == 200, played.text
        assert played.json()["outcome"] in ("win", "lose")
        assert caught_up(public_deployment.app)["backlog"] == 0  # SQL follows the stream
        with world.request(
            "marketer", "GET", f"/api/campaigns/{campaign}/plays.csv", stream=True
        ) as export:
            assert export.status_code == 200
            rows = b"".join(export.iter_content(8192)).decode().splitlines()
        assert len(rows) == 2  # the header and the one play
    assert public_deployment.failures_in_logs() == []


def test_behind_the_shipped_nginx_configuration_slow_sockets_cost_nothing(
    database_url, tmp_path_factory
):
    if nginx_program() is None:
        skip_or_fail("nginx is missing (apt-get install nginx)")
    directory = tmp_path_factory.mktemp("live-nginx")
    deployment = Deployment(directory, database_url, workers=4).start()
    try:
        with nginx_in_front(deployment.app.port, directory) as port:
            with slow_sockets(port, SLOW):
                answer = requests.get(f"http://127.0.0.1:{port}/healthz", timeout=ANSWER_WITHIN)
                assert answer.status_code == 200
                assert answer.json() == {"ok": True}
    finally:
        deployment.stop()
