"""Simulate N plays of a prize table before publishing: no stock used, nothing written.

Each simulated play draws a uniform number on the engine's 2^48 scale from ``secrets`` and picks
with the engine's own rule (``verify.thresholds``: the first prize whose cumulative bound is above
the number; a prize out of stock, or held back by even pacing, becomes "no prize"). Plays are
spread evenly over the days at the expected rate, so the day each prize runs out can be read off.
Per-player limits are not modelled: the simulation answers "how fast does the pool go".
"""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from campaigns.draw.verify import UNIFORM_SCALE, paced_allowance, thresholds

# A simulation runs in the request (pure Python, about 3.5 µs a play): 100,000 plays is a
# tenth of a second or so, and shows a 0.001 prize's spread well enough. A million took 3.5 s
# of a worker, and sixteen at once stalled the server (issue 17); RATELIMIT_SIMULATION bounds
# how many one token or console user may run.
MAX_PLAYS = 100_000
# A prize whose stock is gone within this share of the campaign leaves most players unable to
# win it: the console warns and suggests even pacing.
EARLY_SHARE = 0.1


@dataclass(frozen=True)
class SimPrize:
    name: str
    stock: int
    probability: float
    pacing: str = "none"
    kind: str = "code"
    amount_fen: int | None = None


def simulate(
    prizes: list[SimPrize],
    plays: int,
    plays_per_day: int,
    starts_at: datetime,
    ends_at: datetime,
    randbelow=secrets.randbelow,
) -> dict:
    """Run ``plays`` draws at ``plays_per_day`` from ``starts_at`` (aware datetimes)."""
    bounds = thresholds(p.probability for p in prizes)
    awarded = [0] * len(prizes)
    out_on: list[int | None] = [None] * len(prizes)
    out_at_ms: list[float | None] = [None] * len(prizes)
    duration_ms = (ends_at - starts_at).total_seconds() * 1000
    ms_per_play = 86_400_000 / plays_per_day
    played = 0
    for n in range(plays):
        elapsed_ms = n * ms_per_play
        if elapsed_ms >= duration_ms:
            break  # the campaign is over before the N-th play
        played += 1
        u = randbelow(UNIFORM_SCALE)
        index = next((i for i, bound in enumerate(bounds) if u < bound), None)
        if index is None:
            continue
        prize = prizes[index]
        limit = prize.stock
        if prize.pacing == "even":
            limit = paced_allowance(prize.stock, int(elapsed_ms), 0, int(duration_ms))
        if awarded[index] >= limit:
            continue
        awarded[index] += 1
        if awarded[index] == prize.stock:
            out_on[index] = int(elapsed_ms // 86_400_000) + 1
            out_at_ms[index] = elapsed_ms
    wins = sum(awarded)
    return {
        "plays": played,
        "requested_plays": plays,
        # Fewer plays than asked: at plays_per_day, the campaign ends before the last of them.
        "capped_by_campaign": played < plays,
        "campaign_days": math.ceil(duration_ms / 86_400_000),
        "plays_per_day": plays_per_day,
        "no_prize_share": None if not played else 1 - wins / played,
        "prizes": [
            {
                "name": p.name,
                "stock": p.stock,
                "probability": p.probability,
                "pacing": p.pacing,
                "kind": p.kind,
                "amount_fen": p.amount_fen,
                # What the simulated cash wins would cost (cash prizes only).
                "cash_fen": None if p.amount_fen is None else awarded[i] * p.amount_fen,
                "expected_wins": p.probability * played,
                "wins": awarded[i],
                "runs_out_day": out_on[i],
                "runs_out_early": out_at_ms[i] is not None
                and out_at_ms[i] < EARLY_SHARE * duration_ms,
                "runs_out_on": None
                if out_on[i] is None
                else (starts_at + timedelta(days=out_on[i] - 1)).date().isoformat(),
            }
            for i, p in enumerate(prizes)
        ],
    }


def for_campaign(campaign, plays: int, plays_per_day: int) -> dict:
    """Simulate a stored campaign's prize table (a copy: the campaign is not touched)."""
    table = [
        SimPrize(p.name, p.stock, p.probability, p.pacing, p.kind, p.amount_fen)
        for p in campaign.prizes
    ]
    zone = campaign.zone
    return simulate(
        table,
        plays,
        plays_per_day,
        campaign.starts_utc.astimezone(zone),
        campaign.ends_utc.astimezone(zone),
    )
