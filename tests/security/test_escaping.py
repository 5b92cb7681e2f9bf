"""Marketer input shown to others renders as text: a campaign, prize and rules text carrying
HTML/JS appear escaped in the raw HTML of the H5 pages and of every console page that shows
them, and formula-like prize names are neutralised (a leading ') in every CSV export."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from campaigns.management import users
from campaigns.models import Win
from campaigns.reports.exports import FORMULA_START
from campaigns.web.extensions import db
from tests.console.conftest import PASSWORD, csrf_token

SCRIPT = "<script>alert(1)</script><img src=x onerror=alert(1)>"
FORMULA = '=HYPERLINK("http://x")'
RAW_TAGS = ("<script>alert", "<img src=x", "onerror=alert(1)>")
ESCAPED = ("&lt;script&gt;alert(1)&lt;/script&gt;", "\\u003cscript\\u003ealert(1)")


@pytest.fixture
def hostile(factory):
    """A live campaign whose every marketer-written text is hostile, and one win of each."""
    campaign = factory.campaign(
        name=SCRIPT,
        rules=f"Rules {SCRIPT}",
        prizes=[
            {"name": FORMULA, "stock": 100, "probability": 0.5},
            {"name": SCRIPT, "stock": 100, "probability": 0.5},
        ],
    )
    won = set()
    for _ in range(60):  # each prize at least once (odds 1/2 each, stock ample)
        client = factory.signed_in(factory.player())
        body = client.post(f"/h5/{campaign.id}/play").get_json()
        if body.get("prize"):
            won.add(body["prize"]["name"])
        if len(won) == 2:
            return campaign
    pytest.fail(f"60 plays did not win both prizes: {won}")


def assert_text_not_markup(html: str, where: str):
    for tag in RAW_TAGS:
        assert tag not in html, f"{where}: raw {tag!r} in the page"
    assert any(escaped in html for escaped in ESCAPED), f"{where}: the name is not shown escaped"


def test_h5_pages_show_names_as_text(factory, hostile):
    player = factory.signed_in(factory.player())
    for path in ("", "rules", "prizes"):
        response = player.get(f"/h5/{hostile.id}/{path}")
        assert response.status_code == 200 and response.mimetype == "text/html"
        assert_text_not_markup(response.get_data(as_text=True), f"/h5/{hostile.id}/{path}")


@pytest.fixture
def console(app, clock):
    users.create_user(db.session, "mia", "marketer", PASSWORD, clock.now())
    client = app.test_client()
    response = client.post(
        "/admin/login",
        data={"username": "mia", "password": PASSWORD, "csrf_token": csrf_token(client)},
    )
    assert response.status_code == 302
    return client


def test_console_pages_show_names_as_text(console, hostile):
    code = db.session.scalar(select(Win.code).limit(1))
    for path in (
        "/admin/",
        f"/admin/campaigns/{hostile.id}",
        f"/admin/campaigns/{hostile.id}/edit",
        f"/admin/campaigns/{hostile.id}/report",
        f"/admin/campaigns/{hostile.id}/simulate",
        f"/admin/redeem?code={code}",
    ):
        response = console.get(path)
        assert response.status_code == 200, path
        assert_text_not_markup(response.get_data(as_text=True), path)


def _cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text.lstrip("\ufeff"))) for cell in row]


@pytest.mark.parametrize("export", ["winners.csv", "plays.csv"])
def test_csv_exports_neutralise_formulas(console, factory, hostile, export):
    token = factory.token("analyst")
    bodies = []  # each streamed body read before the next request
    for path, headers in (
        (f"/api/campaigns/{hostile.id}/{export}", {"Authorization": f"Bearer {token}"}),
        (f"/admin/campaigns/{hostile.id}/{export}", {}),
    ):
        response = console.get(path, headers=headers)
        assert response.status_code == 200 and response.mimetype == "text/csv"
        bodies.append(response.get_data(as_text=True))
    for body in bodies:
        cells = _cells(body)
        assert not [c for c in cells if c.startswith(FORMULA_START)], cells
        if export == "winners.csv":
            assert "'" + FORMULA in cells and SCRIPT in cells  # the text itself is kept
