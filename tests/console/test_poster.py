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
    low, high = middle.getextrema()
    assert low < 60 and high > 240
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


def test_the_banner_tops_the_poster_and_a_private_address_is_not_fetched(
    app, marketer, live_campaign, sandbox, app_server
):
    """The banner comes from the marketer's URL; here the app server's own favicon (an image on
    a loopback address), read only when private addresses are allowed (development)."""
    live_campaign.look = {**LOOK, "banner_url": f"{app_server.url}/favicon.ico"}
    db.session.commit()
    path = f"/admin/campaigns/{live_campaign.id}/poster.png?size=phone"
    refused = Image.open(io.BytesIO(marketer.get(path).data)).convert("RGB")
    assert refused.getpixel((4, 4)) == (0x12, 0x34, 0x56)  # no banner: the title band
    app.config["POSTER_BANNER_FROM_PRIVATE"] = True
    drawn = Image.open(io.BytesIO(marketer.get(path).data)).convert("RGB")
    assert drawn.getpixel((540, 200)) != (0x12, 0x34, 0x56)  # the favicon's wheel, stretched
    assert drawn.getpixel((4, 440)) == (0x12, 0x34, 0x56)  # the title band below it
    (SHOTS / "poster-phone-banner.png").write_bytes(marketer.get(path).data)


def test_a_banner_is_fetched_only_from_public_addresses():
    for url in ("http://127.0.0.1/x.png", "http://10.0.0.1/x.png", "file:///etc/passwd", "", None):
        assert poster.fetch_banner(url) is None, url
