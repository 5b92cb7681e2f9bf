"""Streamed bodies (the audit, winners.csv and plays.csv of the API and the console) are read
after the view has returned and Flask has closed the request's session, as under gunicorn.

The ``app`` fixture holds an app context for the whole test, so requests through its own test
client keep the request's session open and hid the DetachedInstanceError that the real server
showed (a 500 once the headers had gone out). Here the requests go to a second app on the same
database and Redis, whose contexts this test does not hold: each request pushes and pops its
own, exactly as a WSGI server's does. tests/live/ checks the same against the real gunicorn.
"""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import func, select

from campaigns.draw import verify
from campaigns.management import users
from campaigns.models import Win
from campaigns.web.extensions import db
from tests.campaigns.test_play_endpoint import play
from tests.console.conftest import PASSWORD, sign_in


@pytest.fixture
def served(app_on, redis_url):
    """A second app whose request contexts are its own (no context held by the test)."""
    return app_on(redis_url).test_client()


@pytest.fixture
def ended(factory, client):
    campaign = factory.campaign(
        prizes=[
            {"name": "Phone", "stock": 3, "probability": 0.3},
            {"name": "Coupon", "stock": 30, "probability": 0.3},
        ]
    )
    for player in factory.players(8):
        play(factory.signed_in(player), campaign.id)
    factory.end_and_audit(campaign, client)
    return campaign


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))


def test_the_audit_streams_and_verifies_after_the_session_is_gone(served, ended):
    response = served.get(f"/api/campaigns/{ended.id}/audit")
    assert response.status_code == 200
    lines = response.get_data(as_text=True).splitlines()
    assert len(lines) == 1 + 8  # the header and one entry per play
    result = verify.verify(lines)
    assert result.ok, str(result)


@pytest.mark.parametrize("prefix", ["/api", "/admin"])
@pytest.mark.parametrize("export", ["plays", "winners"])
def test_csv_exports_stream_after_the_session_is_gone(
    served, ended, factory, clock, prefix, export
):
    headers = {}
    if prefix == "/api":
        headers["Authorization"] = f"Bearer {factory.token('analyst')}"
    else:
        users.create_user(db.session, "ann", "analyst", PASSWORD, clock.now())
        assert sign_in(served, "ann").status_code == 302
    header, *rows = csv_rows(
        served.get(f"{prefix}/campaigns/{ended.id}/{export}.csv", headers=headers)
    )
    if export == "plays":
        assert header[0] == "seq" and [int(r[0]) for r in rows] == list(range(1, 9))
    else:
        wins = db.session.scalar(select(func.count()).select_from(Win))
        assert header[0] == "won_at" and len(rows) == wins >= 1
        assert {r[1] for r in rows} <= {"Phone", "Coupon"}
