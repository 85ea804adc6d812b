from __future__ import annotations

import math
import random
import statistics

import pytest

from bot.jobs.schedule import MIN_SIGMA, TAIL_SHARE, Estimate, estimate, next_poll_delay, prior_seconds, progress
from bot.models import Duration, VideoOptions

EST = Estimate(mu=math.log(60), sigma=0.2, samples=50)


def simulate(est: Estimate, durations: list[float], *, min_s: float = 2, max_s: float = 30) -> tuple[float, float]:
    """Poll each job on the schedule; return (lag p95, mean polls)."""
    lags, polls = [], []
    for duration in durations:
        t, n = 0.0, 0
        while t < duration:
            t += next_poll_delay(t, est, min_s=min_s, max_s=max_s)
            n += 1
        lags.append(t - duration)
        polls.append(n)
    return sorted(lags)[int(0.95 * len(lags))], statistics.mean(polls)


def test_polls_are_sparse_early_dense_at_the_median_and_bounded() -> None:
    first = next_poll_delay(0, EST, min_s=2, max_s=30)
    assert first >= 15  # nothing will be ready in the first seconds
    assert next_poll_delay(60, EST, min_s=2, max_s=30) <= 2
    assert next_poll_delay(150, EST, min_s=2, max_s=30) > next_poll_delay(70, EST, min_s=2, max_s=30)
    assert next_poll_delay(2000, EST, min_s=2, max_s=30) == 30
    for t in range(0, 400, 7):
        assert 0 < next_poll_delay(t, EST, min_s=2, max_s=30) <= 30


def test_learned_schedule_beats_a_fixed_2s_poller_on_its_own_distribution() -> None:
    rng = random.Random(3)
    durations = [rng.lognormvariate(EST.mu, EST.sigma) for _ in range(3000)]
    lag_p95, polls = simulate(EST, durations)
    fixed_polls = statistics.mean(math.ceil(d / 2) for d in durations)
    assert lag_p95 <= 1.4  # one dense step; the fixed poller's p95 is 1.9 s
    assert polls <= 0.65 * fixed_polls


def test_prior_grows_with_heavier_options() -> None:
    light = prior_seconds(VideoOptions(model="cogvideox-flash"))
    heavy = prior_seconds(
        VideoOptions(model="cogvideox-3", quality="quality", duration=10, fps=60, size="3840x2160", with_audio=True)
    )
    assert light < prior_seconds(VideoOptions(model="cogvideox-2")) < heavy


def test_history_takes_over_from_the_prior() -> None:
    assert estimate([], 90).expected_s == pytest.approx(90)
    learned = estimate([40, 42, 44, 46, 48, 50], 90)
    assert learned.expected_s == pytest.approx(44.8, rel=0.02) and learned.samples == 6
    # Durations this alike come from a few jobs found done by the same polls: the spread keeps a floor.
    assert learned.sigma == pytest.approx(MIN_SIGMA) and learned.late_s >= learned.expected_s
    partial = estimate([40], 90)
    assert 40 < partial.expected_s < 90


def test_progress_never_claims_done() -> None:
    assert progress(0, EST) == 0
    assert progress(30, EST) == pytest.approx(0.5)
    assert progress(600, EST) == 0.95


def test_a_job_running_past_a_short_fit_is_still_polled_often() -> None:
    """A fit learned from the jobs that finished first is short: a longer job waits at most 8 % of its age."""
    fit = Estimate(math.log(20), MIN_SIGMA, 50)
    for elapsed in (40.0, 80.0, 200.0):
        assert next_poll_delay(elapsed, fit, min_s=2, max_s=30) <= max(1.4, TAIL_SHARE * elapsed) + 1e-9


def test_jobs_found_done_by_their_first_look_count_as_shorter_than_that_not_as_that_long() -> None:
    """A job done at the first poll is known only to be shorter than it; counting it as exact biases the fit long."""
    rng = random.Random(5)
    first_look = 22.0
    truth = [rng.lognormvariate(math.log(30), 0.35) for _ in range(50)]
    history = [Duration(d, exact=True) if d > first_look else Duration(first_look, exact=False) for d in truth]
    fit = estimate(history, 90)
    naive = estimate([Duration(d.seconds, exact=True) for d in history], 90)
    true_median = statistics.median(truth)
    assert abs(math.log(fit.expected_s / true_median)) < abs(math.log(naive.expected_s / true_median))
    assert fit.expected_s == pytest.approx(true_median, rel=0.1)
    assert 0.25 <= fit.sigma <= 0.45  # the censored tail widens the spread, as the truth's 0.35
    # Every job done at its first look: only "shorter than 22 s" is known, so the next ones are looked at sooner.
    all_early = estimate([Duration(first_look, exact=False)] * 10, 90)
    assert all_early.expected_s < first_look
    assert next_poll_delay(0, all_early, min_s=2, max_s=30) < 0.5 * first_look


def test_the_p95_lag_is_one_dense_step_even_when_the_fit_runs_a_fifth_short() -> None:
    """Even spacing across the stretch holding nearly every ending: the p95 detection lag is one step (1.4 s at
    a 2-s POLL_MIN_INTERVAL), at about the polls of a fixed 2-s poller, also when the fit is a fifth short."""
    rng = random.Random(2)
    durations = [rng.lognormvariate(math.log(30), 0.35) for _ in range(3000)]
    fixed_polls = statistics.mean(math.ceil(d / 2) for d in durations)
    for median in (30, 24):
        lag_p95, polls = simulate(Estimate(math.log(median), 0.35, 50), durations)
        assert lag_p95 <= 1.4
        assert polls <= 1.15 * fixed_polls
