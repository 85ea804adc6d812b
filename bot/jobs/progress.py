"""What members see of their jobs while they wait: estimates learned from past durations, and replies
refreshed at a paced rate (the notifier coalesces and paces the edits themselves)."""

from __future__ import annotations

from collections.abc import Callable, Container

from bot.jobs import schedule
from bot.jobs.notify import JobView, Notifier
from bot.models import IN_FLIGHT, OUTCOMES, Job, JobState
from bot.store.base import Store

RELEARN_S = 2.0


class Progress:
    """Shows a job's place in line or its estimated progress in the member's reply."""

    def __init__(
        self,
        store: Store,
        notifier: Notifier,
        *,
        every_s: float,
        clock: Callable[[], float],
        pause: Callable[[float], str | None],
    ) -> None:
        self._store = store
        self._notifier = notifier
        self._every = every_s
        self._clock = clock
        self._pause = pause  # why sending waits now ("provider_busy", …), or None
        self._estimates: dict[str, schedule.Estimate] = {}
        self._learned_at: dict[str, float] = {}  # when an estimate was last computed
        self._stale: dict[str, int] = {}  # keys with jobs finished since: how many
        self._last_shown: dict[str, float] = {}

    async def estimate(self, job: Job) -> schedule.Estimate:
        """Return the likely duration of jobs with these options (learned; recomputed at most every
        RELEARN_S once jobs have finished, so a burst of endings costs one read, not one per poll; sooner
        once the finishes since are a quarter of what it was learned from: a young history moves most)."""
        key = job.options.schedule_key()
        now = self._clock()
        known = self._estimates.get(key)
        new = self._stale.get(key, 0)
        if known is None or (new and (now - self._learned_at[key] >= RELEARN_S or 4 * new >= known.samples)):
            self._stale.pop(key, None)  # finishes counted from here on are not in the read below
            try:
                history = await self._store.durations(key)
            except BaseException:
                self._stale[key] = self._stale.get(key, 0) + new  # still to be learned
                raise
            self._learned_at[key] = now
            self._estimates[key] = schedule.estimate(history, schedule.prior_seconds(job.options))
        return self._estimates[key]

    def learn(self, job: Job) -> None:
        """A job with these options finished: a coming estimate includes it."""
        key = job.options.schedule_key()
        self._stale[key] = self._stale.get(key, 0) + 1

    async def announce(self, job_id: str) -> None:
        """Show a new job in its reply at once (queued, with its place in line)."""
        job = await self._store.get_job(job_id)
        if job is not None and job.state is not JobState.DELIVERED and job.state not in OUTCOMES:
            await self.show(job)

    async def refresh(self, active: list[Job], *, busy: Container[str]) -> None:
        """Show every active job not shown for PROGRESS_EDIT_INTERVAL (a job whose step runs shows itself)."""
        now = self._clock()
        self._last_shown = {j.id: self._last_shown.get(j.id, 0.0) for j in active}
        for job in active:
            if job.id not in busy and now - self._last_shown[job.id] >= self._every:
                await self.show(job)

    async def show(self, job: Job, est: schedule.Estimate | None = None) -> None:
        """Update the member's reply now."""
        est = est or await self.estimate(job)
        now = self._clock()
        self._last_shown[job.id] = now
        queued = job.state is JobState.QUEUED
        position = await self._store.queue_position(job) if queued else 0
        elapsed = now - job.submitted_at if job.submitted_at else 0.0
        notice = self._pause(now) if queued else None
        if job.state in IN_FLIGHT and now > job.deadline_at:
            notice = "late"
        view = JobView(
            job=job,
            now=now,
            position=position,
            expected_s=est.expected_s,
            progress=schedule.progress(elapsed, est),
            notice=notice,
        )
        await self._notifier.show(view)
