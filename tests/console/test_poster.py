"""The printable poster: A4 and phone sizes, PNG and PDF, in the campaign's colours around its
WeChat QR code (made by the sandbox), refused for a draft and for a size it does not know."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from campaigns.web.extensions import db
from campaigns.wechat import poster
from tests.browser import SHOTS
from tests.conftest import skip_or_fail

pytestmark = pytest.mark.one_database

LOOK = {"title": "中秋博饼", "primary_color": "#123456", "background_color": "#FFFFFF"}


@pytest.fixture
def live_campaign(factory):
    campaign = factory.campaign(keyword="GO")
    campaign.look = LOOK
    db.session.commit()
    return campaign


def test_the_phone_poster_is_drawn_in_the_campaigns_colours(marketer, live_campaign, sandbox):
    answer = marketer.get(f"/admin/campaigns/{live_campaign.id}/poster.png?size=phone")
    assert answer.status_code == 200 and answer.mimetype == "image/png"
    SHOTS.mkdir(parents=True, exist_ok=True)
    (SHOTS / "poster-phone.png").write_bytes(answer.data)  # kept, to be looked at
    image = Image.open(io.BytesIO(answer.data)).convert("RGB")
    assert image.size == poster.SIZES["phone"] == (1080, 1920)
    assert image.getpixel((4, 4)) == (0x12, 0x34, 0x56)  # the title band
    assert image.getpixel((4, 1916)) == (255, 255, 255)  # the background
    # The code in the middle: a white card with dark modules on it.
    middle = image.crop((340, 800, 740, 1200)).convert("L")
    assert min(middle.getdata()) < 60 and max(middle.getdata()) > 240
    assert len(sandbox.calls("cgi-bin/qrcode/create")) == 1  # the campaign's own code


def test_the_a4_poster_is_a_pdf_page_of_a4(marketer, live_campaign, sandbox):
    answer = marketer.get(f"/admin/campaigns/{live_campaign.id}/poster.pdf?size=a4")
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    assert answer.data.startswith(b"%PDF-")
    assert b"/MediaBox [ 0 0 595.2 841.92 ]" in answer.data  # 210 x 297 mm in points


def test_a_cjk_font_is_found_for_the_words():
    if poster.font_path() is None:
        skip_or_fail("no CJK font (apt-get install fonts-noto-cjk)")
    assert "CJK" in poster.font_path()


def test_posters_refuse_a_draft_and_an_unknown_size(marketer, factory, live_campaign, sandbox):
    draft = factory.campaign(status="draft")
    assert marketer.get(f"/admin/campaigns/{draft.id}/poster.png").status_code == 409
    bad = marketer.get(f"/admin/campaigns/{live_campaign.id}/poster.png?size=poster")
    assert bad.status_code == 422 and "size" in bad.get_data(as_text=True)
    assert marketer.get(f"/admin/campaigns/{live_campaign.id}/poster.gif").status_code == 404
