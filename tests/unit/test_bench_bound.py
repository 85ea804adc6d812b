"""The lag-on-half-the-polls bound of docs/benchmarks.md (bench/bound.py) holds together."""

from __future__ import annotations

from bench.bound import STEP, lognormal, lowest_lag, naive_polls, polls_for


def test_a_schedule_at_the_naive_lag_needs_no_more_polls_than_the_naive_bot() -> None:
    """The bound's cheapest schedule is never dearer than polling every 2 s (else it would not be a bound)."""
    dist = lognormal(30, 0.35)
    assert polls_for(dist, STEP) <= naive_polls(dist)
    assert lowest_lag(dist, naive_polls(dist)) <= STEP


def test_half_the_polls_cannot_buy_a_lower_lag_than_the_naive_bot_at_sigma_035() -> None:
    """What docs/benchmarks.md states: at σ 0.35 no poller gets p95 lag ≤ 0.7× on ½ the polls; at σ 0.2 one can."""
    wide, narrow = lognormal(30, 0.35), lognormal(30, 0.2)
    assert lowest_lag(wide, naive_polls(wide) / 2) > 0.7 * 0.95 * STEP
    assert lowest_lag(narrow, naive_polls(narrow) / 2) <= 0.7 * 0.95 * STEP
