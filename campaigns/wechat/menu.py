"""The account's custom menu: one button per live campaign, opening its game page (which starts
OAuth on its own), within WeChat's limits: at most 3 top buttons of 16 bytes, 5 sub-buttons of
60 bytes each.
"""

from __future__ import annotations

from sqlalchemy import select

from campaigns.clock import utc_naive
from campaigns.models import Campaign
from campaigns.models.campaign import Status
from campaigns.wechat.config import WeChatSettings

MAX_TOP = 3
MAX_SUB = 5
TOP_NAME_BYTES = 16
SUB_NAME_BYTES = 60
GROUP_NAMES = ("活动", "更多活动", "其他活动")


def clip(name: str, limit: int) -> str:
    """Cut a name to ``limit`` UTF-8 bytes without splitting a character."""
    return name.encode()[:limit].decode(errors="ignore")


def live_campaigns(session, now) -> list[Campaign]:
    moment = utc_naive(now)
    return list(
        session.scalars(
            select(Campaign)
            .where(
                Campaign.status == Status.LIVE.value,
                Campaign.starts_at <= moment,
                Campaign.ends_at > moment,
            )
            .order_by(Campaign.ends_at, Campaign.id)
            .limit(MAX_TOP * MAX_SUB)
        )
    )


def build_menu(campaigns: list[Campaign], settings: WeChatSettings) -> dict:
    """Up to three campaigns as top buttons; more are grouped, five per top button."""

    def view(campaign, limit):
        return {
            "type": "view",
            "name": clip(campaign.name, limit),
            "url": settings.game_url(campaign.id),
        }

    if len(campaigns) <= MAX_TOP:
        return {"button": [view(c, TOP_NAME_BYTES) for c in campaigns]}
    groups = [campaigns[i : i + MAX_SUB] for i in range(0, len(campaigns), MAX_SUB)][:MAX_TOP]
    return {
        "button": [
            {
                "name": clip(GROUP_NAMES[i], TOP_NAME_BYTES),
                "sub_button": [view(c, SUB_NAME_BYTES) for c in group],
            }
            for i, group in enumerate(groups)
        ]
    }


def sync_menu(session, client, settings: WeChatSettings, now) -> dict:
    """Push the menu of the campaigns live now (an empty menu is deleted: WeChat refuses one)."""
    menu = build_menu(live_campaigns(session, now), settings)
    if menu["button"]:
        client.menu.create(menu)
    else:
        client.menu.delete()
    return menu
