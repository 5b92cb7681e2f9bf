"""A crowd behind one IP address signs in (SPEC: hundreds of players at a venue share one public
IP), against the deployed product with its rate limits as deployed (RATELIMIT_SCALE=1), through
the sandbox's OAuth as WeChat: none refused, while a script sending bad callbacks from one IP is
refused with 429 and Retry-After after a few."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import limits
import pytest
from sqlalchemy import func, select

from campaigns.core.services import redis_clients
from campaigns.models import Player
from campaigns.web import ratelimits
from campaigns.web.extensions import db
from campaigns.wechat import keys
from tests.live.conftest import deploy
from tests.live.deployment import browser, oauth_round_trip

pytestmark = [pytest.mark.one_database, pytest.mark.slow]  # sign-ins: nothing SQL-specific

PLAYERS = 500
AT_ONCE = 64


@pytest.fixture(scope="module")
def deployment(database_url, tmp_path_factory):
    yield from deploy(database_url, tmp_path_factory, "live-crowd", RATELIMIT_SCALE="1")


def sign_in(url: str, number: int) -> tuple[int, str]:
    """A new phone signs in: (the callback's status, where it sends the browser)."""
    with browser() as phone:
        back = oauth_round_trip(phone, url, f"o-crowd-{number:05d}", f"/h5/1/?n={number}")
        return back.status_code, back.headers.get("Location", back.text[:200])


def test_500_players_behind_one_ip_sign_in_64_at_a_time(deployment):
    with ThreadPoolExecutor(AT_ONCE) as pool:
        results = list(pool.map(lambda n: sign_in(deployment.url, n), range(PLAYERS)))
    failed = [(n, r) for n, r in enumerate(results) if r != (302, f"/h5/1/?n={n}")]
    assert failed == [], f"{len(failed)} of {PLAYERS} sign-ins failed, e.g. {failed[:5]}"
    with deployment.configured_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Player)) == PLAYERS
        # Every round trip came back, so none is left holding a slot of this address.
        assert redis_clients.main.zcard(keys.oauth_pending("ip:127.0.0.1")) == 0
    assert deployment.failures_in_logs() == []


def test_bad_callbacks_from_one_ip_get_429_with_retry_after(deployment):
    """Last in this module: it spends the address's allowance of failures."""
    per_minute = next(
        item.amount
        for item in limits.parse_many(ratelimits.OAUTH_FAILED_LIMIT)
        if item.GRANULARITY.name == "minute"
    )
    script = browser()
    began = time.monotonic()
    responses = [
        script.get(
            f"{deployment.url}/oauth/callback",
            params={"state": f"forged-{i}", "code": "made-up"},
            allow_redirects=False,
        )
        for i in range(200)
    ]
    windows = 1 + int((time.monotonic() - began) // 60)  # the count starts again each minute
    statuses = [r.status_code for r in responses]
    assert set(statuses) == {400, 429}, statuses
    assert statuses[0] == 400
    assert 1 <= statuses.count(400) <= per_minute * windows, statuses
    for response in responses:
        assert "Sign-in did not work" in response.text
        if response.status_code == 429:
            assert int(response.headers["Retry-After"]) >= 1
    assert deployment.failures_in_logs() == []
