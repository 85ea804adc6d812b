from __future__ import annotations

import pytest

from bot.jobs.schedule import Estimate, estimate, next_poll_delay, prior_seconds, progress
from bot.models import VideoOptions

EST = Estimate(expected_s=60.0, late_s=90.0, samples=10)


@pytest.mark.parametrize(
    ("elapsed", "expected"),
    [(0, 30.0), (30, 15.0), (50, 5.0), (58, 2.0), (60, 2.0), (80, 4.0), (400, 30.0)],
)
def test_polls_are_sparse_early_dense_near_the_finish_and_bounded(elapsed: float, expected: float) -> None:
    assert next_poll_delay(elapsed, EST, min_s=2, max_s=30) == pytest.approx(expected)


def test_a_60s_job_needs_far_fewer_polls_than_a_fixed_2s_poller() -> None:
    t, polls = 0.0, 0
    while t < 61:
        t += next_poll_delay(t, EST, min_s=2, max_s=30)
        polls += 1
    assert polls <= 10 < 61 / 2
    assert t - 61 <= 2.5  # and the finish is seen within a couple of seconds


def test_prior_grows_with_heavier_options() -> None:
    light = prior_seconds(VideoOptions(model="cogvideox-flash"))
    heavy = prior_seconds(
        VideoOptions(model="cogvideox-3", quality="quality", duration=10, fps=60, size="3840x2160", with_audio=True)
    )
    assert light < prior_seconds(VideoOptions(model="cogvideox-2")) < heavy


def test_history_takes_over_from_the_prior() -> None:
    assert estimate([], 90).expected_s == 90
    learned = estimate([40, 42, 44, 46, 48, 50], 90)
    assert learned.expected_s == pytest.approx(45) and learned.samples == 6
    assert learned.late_s >= learned.expected_s
    partial = estimate([40], 90)
    assert 40 < partial.expected_s < 90


def test_progress_never_claims_done() -> None:
    assert progress(0, EST) == 0
    assert progress(30, EST) == pytest.approx(0.5)
    assert progress(600, EST) == 0.95
