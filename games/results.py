"""A play as the player's browser receives it (after the play is recorded, never before)."""

from __future__ import annotations

from games import registry
from games.schemas import PlayOut

# One instance for every request: building a schema deep-copies its fields, dumping does not
# change it (marshmallow 4 has no per-call context), so threads may share it.
_PLAY_OUT = PlayOut()


def play_body(campaign, stored) -> dict:
    game = registry.get(campaign.game)
    body = {
        "play_id": stored.seq,  # the play's number in the campaign (its ledger row's seq)
        "outcome": "win" if stored.outcome == "win" else "lose",
        "prize": None,
        "plays_left_today": stored.plays_left_today,
    }
    if stored.outcome == "win":
        prize = next(p for p in campaign.prizes if p.id == stored.prize_id)
        body["prize"] = prize
        body["code"] = stored.win.code
    body.update(game.present(campaign, stored))
    return _PLAY_OUT.dump(body)
