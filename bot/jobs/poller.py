"""Polling a job at the provider: when to look, what a look means, and handing a finished job over.

The runner spawns each poll as its own task; every write goes through the runner's ``move`` (the
lifecycle's fenced transition), so a poll from a lease that was lost changes nothing.

A job's next poll lives in memory (``bot/jobs/kept.py``): a poll that finds the job unfinished writes
nothing unless the job's state changes or the next poll falls past the row's ``next_poll_at``, which is kept
as a horizon, ``poll_max_s`` past the next poll. So the store sees a few writes per job, not one per poll.
A job whose holder stopped is polled at once by the worker that takes it over (the take-over pulls
``next_poll_at`` to now), and the row's ``polls`` is brought up to date at each write.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from bot.jobs import schedule
from bot.jobs.delivery import Deliverer
from bot.jobs.heartbeat import Heartbeat
from bot.jobs.progress import Progress
from bot.jobs.submit import status_changes
from bot.metrics import POLLS, SPEND
from bot.models import MICROS, Job, JobState
from bot.provider import errors
from bot.provider.client import CogVideoClient, TaskStatus

if TYPE_CHECKING:
    from bot.jobs.runner import RunnerSettings

log = logging.getLogger(__name__)


class Poller:
    """Looks at jobs the provider is making, on the learned schedule, and finishes those it finds done."""

    def __init__(
        self,
        client: CogVideoClient,
        progress: Progress,
        deliverer: Deliverer,
        settings: RunnerSettings,
        *,
        move: Callable[..., Awaitable[Job | None]],
        later: Callable[[Job, float], None],
        heartbeat: Heartbeat,
        deliveries: asyncio.Semaphore,
        clock: Callable[[], float],
    ) -> None:
        self._client = client
        self._progress = progress
        self._deliverer = deliverer
        self._settings = settings
        self._move = move
        self._later = later  # poll this job (as it is now) again at that time
        # While our heartbeat may have lapsed, every poll writes: a fenced write is how a worker learns that
        # its job was taken over, and a poll that skipped it would go on asking the provider for nothing.
        self._heartbeat = heartbeat
        self._deliveries = deliveries
        self._clock = clock
        # Each job's last poll that found it unfinished, under which lease (another holder's polls are unknown).
        self._polled_at: dict[str, tuple[int, float]] = {}

    def forget(self, job_id: str) -> None:
        """The job is no longer ours (a write lost its race): what we knew of its polls no longer holds."""
        self._polled_at.pop(job_id, None)

    async def accepted(self, job: Job, status: TaskStatus) -> None:
        now = self._clock()
        est = await self._progress.estimate(job)
        first = schedule.next_poll_delay(0, est, min_s=self._settings.poll_min_s, max_s=self._settings.poll_max_s)
        moved = await self._move(
            job,
            "accepted",
            task_id=status.task_id or job.request_id,
            submitted_at=now,
            submit_attempts=job.submit_attempts + 1,
            next_poll_at=now + first + self._settings.poll_max_s,  # a horizon: the poll time is kept in memory
        )
        if moved is None:
            return
        log.info("job %s submitted task=%s", moved.id, moved.task_id)
        SPEND.labels(str(moved.guild_id)).inc(moved.price / MICROS)
        if status.status in ("SUCCESS", "FAIL"):  # an adopted task that had already finished
            await self._finish(moved, status, now)
        else:
            self._later(moved, now + first)
            await self._progress.show(moved, est)

    async def poll(self, job: Job) -> None:
        task_id = job.task_id or job.request_id
        lapses = self._heartbeat.lapses
        est = await self._progress.estimate(job)
        error_code = None
        try:
            status: TaskStatus | None = await self._client.fetch(task_id)
        except errors.ContentRejected as exc:
            status, error_code = TaskStatus(task_id, "FAIL", detail=str(exc)), "content_rejected"
        except errors.ProviderError as exc:  # a task that was accepted is paid for: keep asking until the end
            log.warning("job %s: poll failed (%s); trying later", job.id, exc)
            status = None
        now = self._clock()
        if status is not None:
            POLLS.inc()
        if status is not None and status.status in ("SUCCESS", "FAIL"):
            await self._finish(job, status, now, error_code=error_code)
            return
        late_by = now - job.deadline_at
        if late_by >= self._settings.late_grace_s:
            self._polled_at.pop(job.id, None)
            moved = await self._move(job, "late", finished_at=now, error_code="deadline")
            if moved is not None:
                async with self._deliveries:
                    await self._deliverer.finish(moved)
            return
        if status is None or late_by >= 0:  # past the deadline: still paid for, so ask now and then
            delay = self._settings.poll_max_s * (2 if late_by >= 0 else 1)
        else:
            elapsed = now - (job.submitted_at or now)
            delay = schedule.next_poll_delay(
                elapsed, est, min_s=self._settings.poll_min_s, max_s=self._settings.poll_max_s
            )
            delay = min(delay, max(self._settings.poll_min_s, job.deadline_at - now))
        running = status is not None and job.state is JobState.SUBMITTED
        if status is not None:
            self._polled_at[job.id] = (job.lease_epoch, now)
        polls = job.polls + (status is not None)
        lapsed = not self._heartbeat.trusted() or self._heartbeat.lapses != lapses  # taken over meanwhile?
        if running or late_by >= 0 or lapsed or now + delay > (job.next_poll_at or 0.0):
            horizon = now + delay + self._settings.poll_max_s
            moved = await self._move(job, "running" if running else "polled", polls=polls, next_poll_at=horizon)
            if moved is None:
                return
        else:  # nothing for the store: the row's horizon still covers the next poll
            moved = dataclasses.replace(job, polls=polls)
        self._later(moved, now + delay)
        if running or late_by >= 0:
            await self._progress.show(moved, est)

    async def _finish(self, job: Job, status: TaskStatus, now: float, *, error_code: str | None = None) -> None:
        # The task ended between the last poll that found it unfinished and this one: the middle is the best
        # guess of when (what the schedule learns from), not the moment we happened to look.
        epoch, before = self._polled_at.pop(job.id, (None, now))
        ours = epoch == job.lease_epoch and (job.submitted_at or now) <= before
        recent = ours and now - before <= 2 * self._settings.poll_max_s
        ended = (before + now) / 2 if recent else now
        changes = status_changes(status, ended)
        if status.status == "SUCCESS":
            event = "succeeded"
        else:
            event = "failed" if self._settings.failed_keeps_price else "failed_free"
            changes["error_code"] = error_code or job.error_code or "generation_failed"
        moved = await self._move(job, event, polls=job.polls + 1, **changes)
        if moved is None:
            return
        self._progress.learn(job)
        log.info("job %s %s after %d polls", moved.id, moved.state.value, moved.polls)
        async with self._deliveries:
            await self._deliverer.finish(moved)
