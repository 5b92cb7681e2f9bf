"""The console's prizes page: statuses for every console user, the addresses' CSV and the
tracking-number upload for marketers only."""

from __future__ import annotations

import io

from sqlalchemy import select

from campaigns.models import Claim
from campaigns.web.extensions import db
from tests.prizes.helpers import ADDRESS, KINDS, win_of


def claimed(factory, clock):
    campaign = factory.campaign(prizes=KINDS)
    winner = factory.player()
    mug = win_of(campaign, campaign.prizes[0], winner, clock.now())
    win_of(campaign, campaign.prizes[1], winner, clock.now())
    factory.signed_in(winner).post(f"/h5/{campaign.id}/wins/{mug.id}/claim", json=ADDRESS)
    return campaign, mug


def test_analysts_see_statuses_but_no_addresses(factory, clock, analyst):
    campaign, mug = claimed(factory, clock)
    seen = analyst.get(f"/admin/campaigns/{campaign.id}/claims")
    assert seen.status_code == 200 and mug.code in seen.text and "claims.csv" not in seen.text
    assert ADDRESS["phone"] not in seen.text
    assert analyst.get(f"/admin/campaigns/{campaign.id}/claims.csv").status_code == 403


def test_marketers_download_claims_and_upload_tracking_numbers(factory, clock, marketer):
    campaign, mug = claimed(factory, clock)
    page = marketer.get(f"/admin/campaigns/{campaign.id}/claims")
    assert page.status_code == 200 and mug.code in page.text
    assert ADDRESS["phone"] not in page.text
    exported = marketer.get(f"/admin/campaigns/{campaign.id}/claims.csv")
    assert ADDRESS["phone"] in exported.get_data(as_text=True)
    token = marketer.csrf
    upload = f"code,courier,tracking_number\n{mug.code},SF,SF77\n".encode()
    sent = marketer.post(
        f"/admin/campaigns/{campaign.id}/shipments",
        data={"csrf_token": token, "file": (io.BytesIO(upload), "ship.csv")},
        content_type="multipart/form-data",
    )
    assert sent.status_code == 302, sent.get_data(as_text=True)[:500]
    assert db.session.scalar(select(Claim.tracking_number)) == "SF77"
    bad = marketer.post(
        f"/admin/campaigns/{campaign.id}/shipments",
        data={"csrf_token": token, "file": (io.BytesIO(b"code,courier\nX,SF\n"), "x.csv")},
        content_type="multipart/form-data",
    )
    assert bad.status_code == 422 and "rows.0.code" in bad.get_data(as_text=True)
