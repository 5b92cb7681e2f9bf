"""A campaign's permanent parametric QR code (scene ``campaign-<id>``) and its poster images.

WeChat makes the code (QR_LIMIT_STR_SCENE, so it never expires and a follow through it arrives
as ``qrscene_campaign-<id>``); we cache its ticket and URL in Redis (asking again for the same
scene gives the same code, so a lost cache costs one API call) and draw the image ourselves with
segno, as SVG or PNG at poster sizes.
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass

import segno

from campaigns.wechat import keys


@dataclass(frozen=True)
class CampaignQr:
    scene: str
    ticket: str
    url: str  # what the code encodes: WeChat's short link for the ticket


# The scene string of a campaign's code (also a menu key naming a campaign): ``campaign-<id>``.
SCENE = re.compile(r"^campaign-(\d{1,12})$")


def scene_for(campaign_id: int) -> str:
    return f"campaign-{campaign_id}"


def campaign_qr(client, redis, campaign_id: int) -> CampaignQr:
    cached = redis.get(keys.campaign_qr(campaign_id))
    if cached is not None:
        return CampaignQr(**json.loads(cached))
    scene = scene_for(campaign_id)
    result = client.qrcode.create(
        {"action_name": "QR_LIMIT_STR_SCENE", "action_info": {"scene": {"scene_str": scene}}}
    )
    qr = CampaignQr(scene=scene, ticket=result["ticket"], url=result["url"])
    redis.set(keys.campaign_qr(campaign_id), json.dumps(qr.__dict__))
    return qr


def render_png(qr: CampaignQr, scale: int = 10) -> bytes:
    out = io.BytesIO()
    segno.make_qr(qr.url, error="m").save(out, kind="png", scale=scale, border=4)
    return out.getvalue()


def render_svg(qr: CampaignQr, scale: int = 10) -> bytes:
    out = io.BytesIO()
    segno.make_qr(qr.url, error="m").save(out, kind="svg", scale=scale, border=4, xmldecl=False)
    return out.getvalue()
