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
