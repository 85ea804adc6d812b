"""When to poll, and how far along a job probably is, learned from past durations.

Pure functions. The provider's durations for the same (model, size, duration, fps, quality, audio)
are fitted as a lognormal distribution (a per-model prior stands in until there is history). Polls
are sparse while a finish is unlikely, evenly spaced across the stretch where the fit puts nearly every
ending, and back off in the tail, but never beyond 8 % of the time elapsed: a fit learned from the jobs
that finished first is biased short, and a job that runs long must not wait the longest interval for its
last poll.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from bot.models import Duration, VideoOptions
from bot.provider.catalogue import active

UNKNOWN_PRIOR_S = 120.0  # a model the catalogue does not know (any more)
PRIOR_SIGMA = 0.35  # spread assumed before there is history (lognormal, in log-seconds)
FULL_WEIGHT = 5  # samples after which the history alone decides
BASE_FACTOR = 0.7  # the interval where finishes are densest, as a share of POLL_MIN_INTERVAL
DENSE_FROM_Z = -1.881  # even polling starts where 3 % of the fitted endings are behind …
DENSE_TO_Z = 3.09  # … and ends where 99.9 % are
MIN_SIGMA = 0.15  # a few jobs found done by the same poll look alike; the provider's durations never are
TAIL_SHARE = 0.08  # past the likely end, a poll at least every 8 % of the time elapsed (the fit may be off)
EARLY_SHARE = 0.6  # every job done at its first look: assume a median this share of that look
EM_ROUNDS = 25  # rounds of the censored fit (it settles in fewer for the few bounds a history has)


@dataclass(frozen=True, slots=True)
class Estimate:
    """The provider's duration distribution for some options: lognormal(mu, sigma)."""

    mu: float
    sigma: float
    samples: int

    @property
    def expected_s(self) -> float:
        """Return the median duration."""
        return math.exp(self.mu)

    @property
    def late_s(self) -> float:
        """Return the 90th-percentile duration."""
        return math.exp(self.mu + 1.2816 * self.sigma)


def prior_seconds(options: VideoOptions) -> float:
    """Return a guess of the provider's duration for these options, before any history."""
    spec = active().get(options.model)
    seconds = spec.prior_s if spec is not None else UNKNOWN_PRIOR_S  # the catalogue's prior_s
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


def estimate(history: Sequence[float | Duration], prior: float) -> Estimate:
    """Fit the durations (blended with the prior until there are FULL_WEIGHT samples).

    A job found done by its first look is known only to be no longer than that (left-censored): the fit
    treats it so (``_censored_fit``) instead of taking the look for the end, which would bias it long."""
    samples = [h if isinstance(h, Duration) else Duration(float(h)) for h in history]
    exact = [math.log(d.seconds) for d in samples if d.seconds > 0 and d.exact]
    upto = [math.log(d.seconds) for d in samples if d.seconds > 0 and not d.exact]
    mu0, sigma0 = math.log(prior), PRIOR_SIGMA
    n = len(exact) + len(upto)
    if not n:
        return Estimate(mu0, sigma0, 0)
    if not exact:  # every job was done at its first look: look sooner than that, not at the prior
        return Estimate(min(mu0, statistics.median(upto) + math.log(EARLY_SHARE)), sigma0, n)
    mu, spread = _censored_fit(exact, upto, sigma0)
    weight = min(1.0, n / FULL_WEIGHT)
    mu = weight * mu + (1 - weight) * mu0
    sigma = min(1.0, max(MIN_SIGMA, weight * spread + (1 - weight) * sigma0))
    return Estimate(mu, sigma, n)


def _censored_fit(exact: list[float], upto: list[float], sigma0: float) -> tuple[float, float]:
    """Maximum-likelihood normal fit of log-durations, some known only as upper bounds (EM: each bound
    stands for the mean and square of the fitted normal truncated below it)."""
    mu = statistics.fmean(exact)
    sigma = statistics.pstdev(exact) if len(exact) > 1 else sigma0
    sigma = max(MIN_SIGMA, sigma)
    if not upto:
        return mu, sigma
    for _ in range(EM_ROUNDS):
        total, squares = sum(exact), sum(x * x for x in exact)
        for bound in upto:
            a = (bound - mu) / sigma
            cdf = 0.5 * math.erfc(-a / math.sqrt(2))
            # φ(a)/Φ(a); far below the fit both underflow, and the ratio tends to -a (the mean to the bound)
            lam = math.exp(-a * a / 2) / math.sqrt(2 * math.pi) / cdf if cdf > 1e-300 else -a
            mean = mu - sigma * lam
            total += mean
            squares += sigma * sigma * max(0.0, 1 - a * lam - lam * lam) + mean * mean
        n = len(exact) + len(upto)
        mu = total / n
        sigma = max(MIN_SIGMA, min(1.0, math.sqrt(max(0.0, squares / n - mu * mu))))
    return mu, sigma


def next_poll_delay(elapsed_s: float, est: Estimate, *, min_s: float, max_s: float) -> float:
    """Return seconds until the next poll of a job submitted ``elapsed_s`` ago.

    Evenly spaced across the stretch where the fit puts nearly every ending (from its 3rd to its 99.9th
    percentile): within a stretch, even spacing is the cheapest way to keep every ending's detection lag
    under one step (``bench/bound.py``); the stretch is wider than the 95 % the bound needs, a margin for a
    fit that is off. Before the stretch the gap to it is halved; after it, the gap grows with the age."""
    step = min(max_s, BASE_FACTOR * min_s)
    start = math.exp(est.mu + DENSE_FROM_Z * est.sigma)
    if elapsed_s < start - step:  # finishing now is unlikely: halve the gap to where finishes begin
        gap = start - elapsed_s
        return min(max_s, max(step / 2, gap / 2 if gap > 2 * step else gap))
    if elapsed_s <= math.exp(est.mu + DENSE_TO_Z * est.sigma):
        return step
    return float(min(max_s, max(step, TAIL_SHARE * elapsed_s)))  # a rare long job: the fit may be off


def progress(elapsed_s: float, est: Estimate) -> float:
    """Return an estimated fraction done, never reaching 1 before the provider says so."""
    return max(0.0, min(0.95, elapsed_s / est.expected_s)) if est.expected_s > 0 else 0.0
