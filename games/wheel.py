"""Spin wheel: the server's play picks the segment; the page eases the wheel onto it."""

from __future__ import annotations

from games.base import Game


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

    def present(self, campaign, play) -> dict:
        layout = segments(campaign.prizes)
        if play.prize_id and play.outcome == "win":
            index = next(i for i, s in enumerate(layout) if s["prize_id"] == play.prize_id)
        else:
            blanks = [i for i, s in enumerate(layout) if s["prize_id"] is None]
            index = blanks[play.seq % len(blanks)]  # same play, same segment on every replay
        return {"segment": index}
