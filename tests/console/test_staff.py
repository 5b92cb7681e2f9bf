"""Staff verify from their phones: a marketer's one-time QR code binds a WeChat user as staff,
whose desk looks codes up and redeems them under their name; a revoked one cannot."""

from __future__ import annotations

import re

from sqlalchemy import select

from campaigns.models import Win
from campaigns.web.extensions import db
from tests.prizes.helpers import KINDS, win_of


def test_a_staff_member_binds_once_and_redeems_under_their_name(factory, clock, marketer):
    campaign = factory.campaign(prizes=KINDS)
    coupon = win_of(campaign, campaign.prizes[2], factory.player(), clock.now())
    mug = win_of(campaign, campaign.prizes[0], factory.player(), clock.now())
    page = marketer.post("/admin/staff", data={"csrf_token": marketer.csrf, "name": "王店员"})
    assert page.status_code == 200 and "<svg" in page.text
    bind = re.search(r"http://testserver(/h5/staff/bind/[\w-]+)", page.text).group(1)

    assert factory.app.test_client().get(bind).status_code == 302  # to WeChat OAuth first
    phone = factory.signed_in(factory.player("o-staff-wang"))
    bound = phone.get(bind)
    assert bound.status_code == 302 and bound.headers["Location"].endswith("/h5/staff/desk")
    assert factory.signed_in(factory.player()).get(bind).status_code == 404  # used up
    desk = phone.get("/h5/staff/desk")
    assert desk.status_code == 200 and "王店员" in desk.text

    stranger = factory.signed_in(factory.player())
    assert stranger.get("/h5/staff/desk").status_code == 403
    assert stranger.get(f"/h5/staff/codes/{coupon.code}").json["error"] == "forbidden"
    assert (
        factory.app.test_client().post(f"/h5/staff/codes/{coupon.code}/redeem").status_code == 401
    )

    found = phone.get(f"/h5/staff/codes/{coupon.code.lower()}")
    assert (
        found.status_code == 200 and found.json["prize"] == "Coupon" and not found.json["redeemed"]
    )
    done = phone.post(f"/h5/staff/codes/{coupon.code}/redeem")
    assert done.status_code == 200 and done.json["redeemed_by"].endswith("王店员")
    assert phone.post(f"/h5/staff/codes/{coupon.code}/redeem").json["error"] == "already_redeemed"
    assert phone.post(f"/h5/staff/codes/{mug.code}/redeem").status_code == 409  # shipped goods
    db.session.expire_all()
    assert db.session.scalar(select(Win.redeemed_by).where(Win.id == coupon.id)).startswith(
        "staff:"
    )

    listed = marketer.get("/admin/staff")
    staff_id = re.search(r"/admin/staff/(\d+)/revoke", listed.text).group(1)
    revoked = marketer.post(f"/admin/staff/{staff_id}/revoke", data={"csrf_token": marketer.csrf})
    assert revoked.status_code == 302
    assert phone.get(f"/h5/staff/codes/{coupon.code}").status_code == 403
