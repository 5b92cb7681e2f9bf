"""What every game shares. A game adds how a play is presented, its own settings (the quiz's
pass score, ...) and its checks of them."""

from __future__ import annotations

from campaigns.models.settings import Setting


class Game:
    name = ""
    # What the console calls it (a key of the console's words).
    label = ""
    # False for games where a play only draws after something else (the quiz's grading).
    draws_on_play = True
    # The game's own settings, stored in ``Campaign.game_settings`` and sent flat in the admin
    # API beside the campaign's; all freeze once the campaign is published.
    settings: tuple[Setting, ...] = ()
    # True for a game that asks questions from the campaign's question bank.
    asks_questions = False

    def present(self, campaign, play) -> dict:
        """Extra fields of the play response for this game."""
        return {}

    def validate(self, data: dict) -> dict[str, list[str]]:
        """Game-specific checks of a campaign's whole input (its own settings are in
        ``data["game_settings"]``): field -> messages."""
        return {}

    def publish_problems(self, campaign) -> dict[str, list[str]]:
        """What of this game stops the campaign from going live: a game that draws prizes needs
        one to draw."""
        return {} if campaign.prizes else {"prizes": ["Add at least one prize."]}

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
