"""Follows through two campaigns' QR codes and an unfollow, sent by the sandbox phone as
signed XML to the real server's callback, land on the right campaigns."""

from __future__ import annotations

from sqlalchemy import select

from campaigns.models import FollowEvent
from campaigns.web.extensions import db


def test_follows_via_two_codes_and_an_unfollow_land_on_the_right_campaigns(factory, sandbox):
    autumn = factory.campaign(name="Autumn")
    winter = factory.campaign(name="Winter")
    first = sandbox.phone("o-fan-000001", "scan", scene=f"campaign-{autumn.id}")
    assert first["status"] == 200
    sandbox.phone("o-fan-000002", "follow", scene=f"campaign-{winter.id}")
    sandbox.phone("o-fan-000003", "follow")  # organic: no campaign
    sandbox.phone("o-fan-000001", "unfollow")
    sandbox.phone("o-fan-000002", "scan", scene=f"campaign-{autumn.id}")  # follower scans again

    rows = db.session.scalars(select(FollowEvent).order_by(FollowEvent.id)).all()
    assert [(r.openid, r.event, r.campaign_id) for r in rows] == [
        ("o-fan-000001", "subscribe", autumn.id),
        ("o-fan-000002", "subscribe", winter.id),
        ("o-fan-000003", "subscribe", None),
        ("o-fan-000001", "unsubscribe", autumn.id),
        ("o-fan-000002", "scan", autumn.id),
    ]


def test_the_phone_shows_the_xml_it_sent_and_the_reply(factory, sandbox):
    campaign = factory.campaign()
    result = sandbox.phone("o-fan-000009", "follow", scene=f"campaign-{campaign.id}")
    assert "<Event><![CDATA[subscribe]]></Event>" in result["sent"]
    assert f"qrscene_campaign-{campaign.id}" in result["sent"]
    assert "<xml>" in result["reply"]
