"""The prize table as the draw script reads it: cumulative thresholds on the 2^48 scale.

Integers, not floats, so Lua, Python and the verifier pick exactly the same prize for a number.
"""

from __future__ import annotations

from campaigns.draw.verify import thresholds


def encode(prizes) -> str:
    """``id:stock:upper:pacing;...`` in display order, for the campaign's meta hash."""
    bounds = thresholds(p.probability for p in prizes)
    return ";".join(
        f"{p.id}:{p.stock}:{upper}:{1 if p.pacing == 'even' else 0}"
        for p, upper in zip(prizes, bounds, strict=True)
    )
