"""The runner: one loop that submits queued jobs, polls in-flight ones on a schedule, and delivers.

State lives in the store; the loop keeps only caches (estimates, pacing), so a restarted process
picks every unfinished job up where it was: a submitted job is polled, never resubmitted; a queued
job is submitted (with its fixed request_id, so a submit that did land is recognised, not repeated).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bot.jobs import schedule
from bot.jobs.delivery import Deliverer
from bot.jobs.notify import JobView, ModLog, Notifier
from bot.jobs.submit import Submitter
from bot.logs import job_context
from bot.metrics import POLLS, SPEND
from bot.models import IN_FLIGHT, MICROS, OUTCOMES, Job, JobState
from bot.provider import errors
from bot.provider.client import CogVideoClient, TaskStatus
from bot.spending.budget import SpendingPolicy
from bot.store.base import Store

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RunnerSettings:
    """Knobs of the loop (all in seconds, but max_in_flight)."""

    max_in_flight: int = 5
    poll_min_s: float = 2.0
    poll_max_s: float = 30.0
    progress_every_s: float = 30.0
    idle_s: float = 5.0
    error_backoff_s: float = 5.0
    lease_s: float = 30.0  # another process takes our jobs over this long after we stop renewing


def default_owner(instance: str = "main") -> str:
    """Name this process for job leases.

    The name is stable across restarts of the same process (host and instance), so a restarted bot
    takes its own jobs back at once; other processes wait for the lease to run out.
    """
    return f"{socket.gethostname()}:{instance}"


class Runner:
    """Submits, polls and finishes jobs; one per process."""

    def __init__(
        self,
        store: Store,
        client: CogVideoClient,
        notifier: Notifier,
        policy: SpendingPolicy,
        *,
        settings: RunnerSettings,
        video_dir: Path,
        clock: Callable[[], float] = time.time,
        owner: str | None = None,
        modlog: ModLog | None = None,
    ) -> None:
        self._store = store
        self._client = client
        self._notifier = notifier
        self._settings = settings
        self._clock = clock
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._owner = owner or default_owner()
        self._submitter = Submitter(store, client, error_backoff_s=settings.error_backoff_s, clock=clock, modlog=modlog)
        self._estimates: dict[str, schedule.Estimate] = {}
        self._last_shown: dict[str, float] = {}
        self._deliverer = Deliverer(store, client, notifier, policy, video_dir=video_dir, clock=clock, modlog=modlog)

    # -- lifecycle -------------------------------------------------------------------------------

    def start(self) -> None:
        """Start the loop (idempotent)."""
        if self._task is None or self._task.done():
            self._stopping = False
            self._task = asyncio.create_task(self._loop(), name="reelbot-runner")

    async def stop(self, *, grace_s: float = 10.0) -> None:
        """Let the iteration in progress finish (up to ``grace_s``), then stop the loop."""
        if self._task is None:
            return
        self._stopping = True
        self._wake.set()
        try:
            await asyncio.wait_for(asyncio.shield(self._task), grace_s)
        except TimeoutError:
            log.warning("runner did not finish its iteration in %.0fs; stopping it", grace_s)
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._task = None

    def wake(self) -> None:
        """Run an iteration soon (a job was queued)."""
        self._wake.set()

    async def announce(self, job_id: str) -> None:
        """Show a new job in its reply at once (queued, with its place in line)."""
        job = await self._store.get_job(job_id)
        if job is not None and job.state is not JobState.DELIVERED and job.state not in OUTCOMES:
            await self._show(job, await self._estimate(job))

    @property
    def alive(self) -> bool:
        """Return True while the loop runs."""
        return self._task is not None and not self._task.done()

    async def _loop(self) -> None:
        await self._store.forget_submit_attempts(self._owner)
        while not self._stopping:
            try:
                delay = await self.run_once()
            except Exception:  # never let the loop die silently
                log.exception("runner iteration failed")
                delay = self._settings.error_backoff_s
            if self._stopping:
                break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=delay)
            self._wake.clear()

    # -- one iteration ---------------------------------------------------------------------------

    async def run_once(self) -> float:
        """Do everything that is due now; return the seconds until something is due again."""
        now = self._clock()
        mine = {j.id: j for j in await self._store.claim(self._owner, now=now, lease_s=self._settings.lease_s)}
        for job in [j for j in mine.values() if j.state is JobState.QUEUED and now > j.deadline_at]:
            mine[job.id] = await self._store.release(
                job.with_changes(state=JobState.EXPIRED, finished_at=now, error_code="queue_timeout")
            )
        for job in [j for j in mine.values() if j.state is JobState.AWAITING_APPROVAL and now > j.deadline_at]:
            mine[job.id] = job.with_changes(state=JobState.EXPIRED, finished_at=now, error_code="approval_timeout")
            await self._store.save(mine[job.id])
        if not self._submitter.paused(now):
            slots = await self._store.take_submit_slots(
                self._owner, now=now, hold_s=120.0, max_in_flight=self._settings.max_in_flight
            )
            for job in slots:
                with job_context(job.id, job.guild_id, job.user_id):
                    outcome = await self._submitter.submit(job)
                    mine[job.id] = await self._accepted(outcome.job, outcome.status) if outcome.status else outcome.job
                if not outcome.go_on:
                    break
        await self._poll_due(mine)
        for job in [j for j in mine.values() if j.state in OUTCOMES and j.delivered_at is None]:
            with job_context(job.id, job.guild_id, job.user_id):
                await self._deliverer.finish(job)
        await self._show_progress([j for j in mine.values() if j.state is JobState.QUEUED or j.state in IN_FLIGHT])
        return self._next_delay(list(mine.values()))

    def _next_delay(self, jobs: list[Job]) -> float:
        now = self._clock()
        delay = self._settings.idle_s
        for job in jobs:
            if job.state in IN_FLIGHT and job.next_poll_at is not None:
                delay = min(delay, job.next_poll_at - now)
            elif job.state is JobState.QUEUED:
                delay = min(delay, max(self._submitter.paused_until - now, self._settings.progress_every_s / 4))
        # Due work is batched into ticks of 1/16 of the shortest poll interval: at 1,000 jobs the loop
        # would otherwise wake for every job (and renew every lease) many times a second.
        return max(self._settings.poll_min_s / 16, delay)

    async def _accepted(self, job: Job, status: TaskStatus) -> Job:
        now = self._clock()
        est = await self._estimate(job)
        first_poll = schedule.next_poll_delay(0, est, min_s=self._settings.poll_min_s, max_s=self._settings.poll_max_s)
        job = job.with_changes(
            state=JobState.SUBMITTED,
            task_id=status.task_id or job.request_id,
            submitted_at=now,
            submit_attempts=job.submit_attempts + 1,
            next_poll_at=now + first_poll,
        )
        job = _apply_status(job, status, now)
        await self._store.save(job)
        log.info("job %s submitted task=%s", job.id, job.task_id)
        SPEND.labels(str(job.guild_id)).inc(job.price / MICROS)
        if job.state in IN_FLIGHT:  # a task that was already finished (adopted after 1231) is for the deliverer
            await self._show(job, est)
        return job

    # -- polling ---------------------------------------------------------------------------------

    async def _poll_due(self, mine: dict[str, Job]) -> None:
        now = self._clock()
        due = [j for j in mine.values() if j.state in IN_FLIGHT and (j.next_poll_at is None or j.next_poll_at <= now)]
        limiter = asyncio.Semaphore(8)

        async def one(job: Job) -> None:
            async with limiter:
                with job_context(job.id, job.guild_id, job.user_id):
                    mine[job.id] = await self._poll(job)

        await asyncio.gather(*(one(j) for j in due))

    async def _poll(self, job: Job) -> Job:
        task_id = job.task_id or job.request_id
        est = await self._estimate(job)
        try:
            status: TaskStatus | None = await self._client.fetch(task_id)
        except errors.ContentRejected as exc:
            status = TaskStatus(task_id, "FAIL", detail=str(exc))
            job = job.with_changes(error_code="content_rejected")
        except errors.TaskNotFound:
            log.error("job %s: provider lost task %s", job.id, task_id)
            status = TaskStatus(task_id, "FAIL", detail="task not found")
        except errors.ProviderError as exc:
            log.warning("job %s: poll failed (%s); trying later", job.id, exc)
            status = None
        now = self._clock()
        if status is None:
            job = job.with_changes(next_poll_at=now + self._settings.poll_max_s)
        else:
            POLLS.inc()
            job = _apply_status(job.with_changes(polls=job.polls + 1), status, now)
        if job.state in IN_FLIGHT:
            if now >= job.deadline_at:
                job = job.with_changes(state=JobState.EXPIRED, finished_at=now, error_code="deadline")
            elif status is not None:
                elapsed = now - (job.submitted_at or now)
                delay = schedule.next_poll_delay(
                    elapsed, est, min_s=self._settings.poll_min_s, max_s=self._settings.poll_max_s
                )
                job = job.with_changes(next_poll_at=min(now + delay, job.deadline_at))  # never past the deadline
        await self._store.save(job)
        if job.state in OUTCOMES:
            self._estimates.pop(job.options.schedule_key(), None)
            log.info("job %s %s after %d polls", job.id, job.state.value, job.polls)
        return job

    # -- progress --------------------------------------------------------------------------------

    async def _show_progress(self, active: list[Job]) -> None:
        now = self._clock()
        every = self._settings.progress_every_s
        self._last_shown = {j.id: self._last_shown.get(j.id, 0.0) for j in active}
        for job in active:
            if now - self._last_shown[job.id] >= every:
                await self._show(job, await self._estimate(job))

    async def _show(self, job: Job, est: schedule.Estimate) -> None:
        now = self._clock()
        self._last_shown[job.id] = now
        queued = job.state is JobState.QUEUED
        position = await self._store.queue_position(job) if queued else 0
        elapsed = now - job.submitted_at if job.submitted_at else 0.0
        view = JobView(
            job=job,
            now=now,
            position=position,
            expected_s=est.expected_s,
            progress=schedule.progress(elapsed, est),
            notice=self._submitter.pause_reason if queued and self._submitter.paused(now) else None,
        )
        await self._notifier.show(view)

    async def _estimate(self, job: Job) -> schedule.Estimate:
        key = job.options.schedule_key()
        if key not in self._estimates:
            history = await self._store.durations(key)
            self._estimates[key] = schedule.estimate(history, schedule.prior_seconds(job.options))
        return self._estimates[key]


def _apply_status(job: Job, status: TaskStatus, now: float) -> Job:
    if status.status == "SUCCESS":
        return job.with_changes(
            state=JobState.SUCCEEDED, finished_at=now, video_url=status.video_url, cover_url=status.cover_url
        )
    if status.status == "FAIL":
        return job.with_changes(
            state=JobState.FAILED,
            finished_at=now,
            error_code=job.error_code or "generation_failed",
            error_detail=status.detail[:200],
        )
    return job.with_changes(state=JobState.PROCESSING) if job.state is JobState.SUBMITTED and job.polls else job
