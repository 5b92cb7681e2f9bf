"""A grid campaign in the console: the editor offers it in Chinese and refuses more prizes than
its cells can show, next to the prizes."""

from __future__ import annotations

import re

from sqlalchemy import select

from campaigns.models import Campaign
from campaigns.web.extensions import db
from tests.console.test_console import campaign_form


def test_the_console_creates_a_grid_and_refuses_eight_prizes_in_chinese(marketer):
    form = campaign_form(marketer.csrf, game="grid")
    editor = marketer.get("/admin/campaigns/new").get_data(as_text=True)
    assert re.search(r'<option value="grid"\s*>九宫格</option>', editor)
    crowded = dict(form)
    for i in range(8):
        for field, value in (
            ("id", ""),
            ("name", f"奖品{i}"),
            ("stock", "5"),
            ("probability", "0.01"),
            ("pacing", "none"),
            ("image_url", ""),
        ):
            crowded[f"prizes.{i}.{field}"] = value
    refused = marketer.post("/admin/campaigns/new", data=crowded)
    assert refused.status_code == 422
    errors = re.findall(
        r'<span class="error" data-field="([^"]+)">([^<]*)</span>', refused.get_data(as_text=True)
    )
    assert ("prizes", "九宫格共 8 格，至少留一格“谢谢参与”：最多 7 个奖品。") in errors
    assert marketer.post("/admin/campaigns/new", data=form).status_code == 302
    campaign = db.session.scalars(select(Campaign)).one()
    assert campaign.game == "grid"
    assert "九宫格" in marketer.get("/admin/").get_data(as_text=True)


def test_the_simulator_runs_a_grid_campaign(marketer, factory):
    campaign = factory.campaign(status="draft", game="grid")
    page = marketer.get(f"/admin/campaigns/{campaign.id}/simulate?plays=2000&plays_per_day=500")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert 'id="simulation-result"' in text and "Phone" in text and "Coupon" in text
