"""Nine-square grid (九宫格): eight cells round a centre button. The server's play picks the cell
(as the wheel's picks its segment); the page runs a light round the ring and stops it there."""

from __future__ import annotations

from campaigns.web.i18n import N_
from games.base import Game, landing

CELLS = 8
# A loss must have a "no prize" cell to land on, and any play can lose (a prize out of stock, a
# player at their win limit), so one cell at least stays "thanks for playing".
MAX_PRIZES = CELLS - 1


def cells(prizes) -> list[dict]:
    """The ring, clockwise from the top-left corner: prizes in table order, spread evenly (the
    k-th of n on cell k*8//n), and "no prize" on the cells between them."""
    layout = [{"prize_id": None, "label": None, "image_url": None} for _ in range(CELLS)]
    for k, prize in enumerate(prizes):
        layout[k * CELLS // len(prizes)] = {
            "prize_id": prize.id,
            "label": prize.name,
            "image_url": prize.image_url,
        }
    return layout


class Grid(Game):
    name = "grid"
    label = N_("Nine-square grid")

    def validate(self, data: dict) -> dict[str, list[str]]:
        if len(data.get("prizes") or []) > MAX_PRIZES:
            return {
                "prizes": [
                    f"A grid has {CELLS} cells and keeps one for no prize: "
                    f"at most {MAX_PRIZES} prizes."
                ]
            }
        return {}

    def present(self, campaign, play) -> dict:
        return {"cell": landing(cells(campaign.prizes), play)}

    def page_config(self, campaign, t: dict[str, str]) -> dict:
        return {
            "cells": [
                {
                    "label": c["label"] or t["no_prize_segment"],
                    "prize": c["prize_id"] is not None,
                    "image_url": c["image_url"],
                }
                for c in cells(campaign.prizes)
            ]
        }
