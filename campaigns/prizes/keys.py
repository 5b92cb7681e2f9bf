"""The prizes room's Redis keys (the draw's are in campaigns/draw/keys.py)."""

from __future__ import annotations


def latest_winners(campaign_id: int) -> str:
    """The game page's latest-winners list, cached for a few seconds (winners.py)."""
    return f"cg:winners:{campaign_id}"
