"""What every game shares. A game adds how a play is presented (and the quiz, its questions)."""

from __future__ import annotations


class Game:
    name = ""
    # False for games where a play only draws after something else (the quiz's grading).
    draws_on_play = True

    def present(self, campaign, play) -> dict:
        """Extra fields of the play response for this game."""
        return {}

    def validate(self, data: dict) -> dict[str, list[str]]:
        """Game-specific checks of a campaign's settings: field -> messages."""
        return {}

    def page_config(self, campaign, t: dict[str, str]) -> dict:
        """Extra fields of the game page's JSON config (``t``: the page's words), so the page
        view never has to know which game it is serving."""
        return {}


def landing(layout: list[dict], play) -> int:
    """Where a play lands in a game's ring of places (wheel segments, grid cells): its prize's
    place for a win; for a loss one of the "no prize" places, picked by the play's sequence
    number so that every replay of the same play lands on the same place."""
    if play.prize_id and play.outcome == "win":
        return next(i for i, place in enumerate(layout) if place["prize_id"] == play.prize_id)
    blanks = [i for i, place in enumerate(layout) if place["prize_id"] is None]
    return blanks[play.seq % len(blanks)]
