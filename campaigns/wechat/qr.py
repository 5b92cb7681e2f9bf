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

from campaigns.core.errors import DomainError, ErrorCode
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


# How long one request may hold the right to ask WeChat for a campaign's code.
CREATING_SECONDS = 30


def cached_qr(redis, campaign_id: int) -> CampaignQr | None:
    cached = redis.get(keys.campaign_qr(campaign_id))
    return CampaignQr(**json.loads(cached)) if cached is not None else None


def campaign_qr(client, redis, campaign) -> CampaignQr:
    """The published campaign's code, made at most once: permanent codes are a quota (100,000
    an account), so a draft gets none (409) and concurrent first requests ask WeChat once, the
    others answering 503 with Retry-After until the code is cached."""
    cached = cached_qr(redis, campaign.id)
    if cached is not None:
        return cached
    if campaign.status == "draft":
        raise DomainError(
            ErrorCode.CONFLICT,
            "A draft has no QR code yet; publish the campaign first.",
            {"status": ["draft"]},
        )
    creating = keys.campaign_qr(campaign.id) + ":creating"
    if not redis.set(creating, 1, nx=True, ex=CREATING_SECONDS):
        raise DomainError(ErrorCode.UNAVAILABLE, retry_after=1)
    try:
        made = cached_qr(redis, campaign.id)  # by a request that held the guard just before
        if made is not None:
            return made
        scene = scene_for(campaign.id)
        result = client.qrcode.create(
            {"action_name": "QR_LIMIT_STR_SCENE", "action_info": {"scene": {"scene_str": scene}}}
        )
        qr = CampaignQr(scene=scene, ticket=result["ticket"], url=result["url"])
        redis.set(keys.campaign_qr(campaign.id), json.dumps(qr.__dict__))
    finally:
        redis.delete(creating)
    return qr


def render_png(qr: CampaignQr, scale: int = 10) -> bytes:
    out = io.BytesIO()
    segno.make_qr(qr.url, error="m").save(out, kind="png", scale=scale, border=4)
    return out.getvalue()


def render_svg(qr: CampaignQr, scale: int = 10) -> bytes:
    out = io.BytesIO()
    segno.make_qr(qr.url, error="m").save(out, kind="svg", scale=scale, border=4, xmldecl=False)
    return out.getvalue()
