"""The simulator picks exactly as the engine does and says when each prize runs out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import cycle

from campaigns.draw.verify import UNIFORM_SCALE
from campaigns.management.simulator import SimPrize, simulate

START = datetime(2026, 9, 20, 10, tzinfo=UTC)


def test_pick_rule_stock_and_the_day_it_runs_out():
    # Numbers at 5%, 30% and 90% of the scale: the first picks A, the second B, the third nothing.
    numbers = cycle([UNIFORM_SCALE // 20, UNIFORM_SCALE * 3 // 10, UNIFORM_SCALE * 9 // 10])
    prizes = [SimPrize("A", 2, 0.1), SimPrize("B", 1000, 0.3)]
    result = simulate(
        prizes, 30, 3, START, START + timedelta(days=30), randbelow=lambda _n: next(numbers)
    )
    a, b = result["prizes"]
    assert result["plays"] == 30
    assert (a["wins"], a["runs_out_day"], a["runs_out_on"]) == (2, 2, "2026-09-21")
    assert (b["wins"], b["runs_out_day"]) == (10, None)
    assert a["expected_wins"] == 3.0
    assert result["no_prize_share"] == 1 - 12 / 30


def test_plays_stop_when_the_campaign_ends_and_pacing_holds_back():
    always_first = lambda _n: 0  # noqa: E731  (every number picks the first prize)
    paced = [SimPrize("Phone", 10, 0.5, "even")]
    result = simulate(paced, 1000, 100, START, START + timedelta(days=2), randbelow=always_first)
    assert result["plays"] == 200  # two days at 100 a day
    assert (result["requested_plays"], result["capped_by_campaign"]) == (1000, True)
    assert result["prizes"][0]["wins"] == 10
    assert result["prizes"][0]["runs_out_early"] is False
    assert result["prizes"][0]["runs_out_day"] == 2  # paced: the last one goes on the last day


def test_a_prize_gone_in_the_first_tenth_is_flagged_and_pacing_cures_it():
    always_first = lambda _n: 0  # noqa: E731
    ten_days = START + timedelta(days=10)
    at_once = simulate([SimPrize("Phone", 10, 0.5)], 1000, 100, START, ten_days, always_first)
    assert at_once["capped_by_campaign"] is False
    assert (at_once["prizes"][0]["runs_out_day"], at_once["prizes"][0]["runs_out_early"]) == (
        1,
        True,
    )
    paced = simulate([SimPrize("Phone", 10, 0.5, "even")], 1000, 100, START, ten_days, always_first)
    assert paced["prizes"][0]["runs_out_early"] is False
