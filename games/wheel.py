"""Spin wheel: the server's play picks the segment; the page eases the wheel onto it."""

from __future__ import annotations

from campaigns.web.i18n import N_
from games.base import Game, landing


def segments(prizes) -> list[dict]:
    """Prize segments alternate with "no prize" ones (at least two of those), in table order."""
    layout: list[dict] = []
    for prize in prizes:
        layout.append({"prize_id": prize.id, "label": prize.name})
        layout.append({"prize_id": None, "label": None})
    if len(layout) < 4:
        layout += [{"prize_id": None, "label": None}] * (4 - len(layout))
    return layout


class Wheel(Game):
    name = "wheel"
    label = N_("Spin wheel")

    def present(self, campaign, play) -> dict:
        return {"segment": landing(segments(campaign.prizes), play)}

    def page_config(self, campaign, t: dict[str, str]) -> dict:
        return {
            "segments": [
                {"label": s["label"] or t["no_prize_segment"], "prize": s["prize_id"] is not None}
                for s in segments(campaign.prizes)
            ]
        }
