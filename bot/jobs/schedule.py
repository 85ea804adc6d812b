"""When to poll, and how far along a job probably is, learned from past durations.

Pure functions: the runner feeds them the provider durations of finished jobs with the same
(model, size, duration, fps, quality, audio); before there is history a prior per model is used.
Polls are sparse early (halving the gap to the expected finish) and dense around it.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from bot.models import VideoOptions

_MODEL_PRIOR_S = {"cogvideox-flash": 45.0, "cogvideox-2": 90.0, "cogvideox-3": 150.0}


@dataclass(frozen=True, slots=True)
class Estimate:
    """How long the provider usually takes: the median and a late (90th percentile) finish."""

    expected_s: float
    late_s: float
    samples: int


def prior_seconds(options: VideoOptions) -> float:
    """Return a guess of the provider's duration for these options, before any history."""
    seconds = _MODEL_PRIOR_S.get(options.model, 120.0)
    if options.quality == "quality":
        seconds *= 1.6
    if options.duration == 10:
        seconds *= 1.6
    if options.fps == 60:
        seconds *= 1.3
    if options.size in {"3840x2160", "2048x1080"}:
        seconds *= 1.4
    if options.with_audio:
        seconds *= 1.1
    return seconds


def estimate(history: list[float], prior: float) -> Estimate:
    """Blend the prior with observed durations; with five or more samples the data decides."""
    if not history:
        return Estimate(prior, prior * 1.5, 0)
    ordered = sorted(history)
    median = statistics.median(ordered)
    late = ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))]
    weight = min(1.0, len(ordered) / 5)
    expected = weight * median + (1 - weight) * prior
    return Estimate(expected, max(expected, weight * late + (1 - weight) * prior * 1.5), len(ordered))


def next_poll_delay(elapsed_s: float, est: Estimate, *, min_s: float, max_s: float) -> float:
    """Return seconds until the next poll of a job submitted ``elapsed_s`` ago."""
    remaining = est.expected_s - elapsed_s
    # Early: halve the gap to the expected finish. Late: dense at first, backing off gently.
    delay = remaining / 2 if remaining > 0 else min_s + 0.1 * -remaining
    return max(min_s, min(delay, max_s))


def progress(elapsed_s: float, est: Estimate) -> float:
    """Return an estimated fraction done, never reaching 1 before the provider says so."""
    if est.expected_s <= 0:
        return 0.0
    return max(0.0, min(0.95, elapsed_s / est.expected_s))
