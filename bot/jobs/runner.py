"""The runner: claims this process's jobs and moves each one on, every step through the lifecycle.

A tick claims the jobs this worker holds (taking over those of workers whose heartbeat stopped), expires
what is past its deadline, sends queued jobs while the provider has slots, and starts each due step —
send, poll, deliver — as its own task under a bounded pool, so one slow upload or one hung provider call
holds up that job only. A heartbeat task, waiting on no work, keeps the worker's leases alive; every write
the runner makes carries the lease's fencing token, so a worker whose jobs were taken over cannot touch them.

State lives in the store; the runner keeps only caches (estimates, pacing), so a restarted process picks
every unfinished job up where it was: a submitted job is polled, never resubmitted; a job whose send is
unresolved is resolved with its fixed request_id (1231 and a look-up), never paid twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.jobs.delivery import Deliverer
from bot.jobs.heartbeat import Heartbeat
from bot.jobs.kept import KeptPolls
from bot.jobs.lifecycle import transition
from bot.jobs.notify import ModLog, Notifier
from bot.jobs.poller import Poller
from bot.jobs.progress import Progress
from bot.jobs.submit import Submitter
from bot.logs import job_context
from bot.models import AT_PROVIDER, IN_FLIGHT, OUTCOMES, Job, JobState
from bot.provider.client import CogVideoClient
from bot.spending.budget import SpendingPolicy
from bot.store.base import Store

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RunnerSettings:
    """Knobs of the runner (seconds, but the counts)."""

    max_in_flight: int = 5  # the provider's concurrency, across every process
    poll_min_s: float = 2.0
    poll_max_s: float = 30.0
    progress_every_s: float = 30.0
    idle_s: float = 5.0
    error_backoff_s: float = 5.0
    lease_s: float = 30.0  # a worker whose heartbeat is this old is gone: its jobs are taken over
    late_grace_s: float = 1800.0  # past its deadline, a task the provider is still making is polled this long
    failed_keeps_price: bool = True  # a generation the provider failed keeps its price (the provider bills it)
    submit_workers: int = 8
    poll_workers: int = 16
    deliver_workers: int = 16  # deliveries stream to disk: many at once cost little memory
    database_clock: bool = True  # lease and transition times from the database; tests pin the clock instead


def default_owner(instance: str = "main") -> str:
    """Name this process for people (and so a restarted process takes its own jobs back at once)."""
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
        self._heart: asyncio.Task[None] | None = None
        self._stopping = False
        self.heartbeat = Heartbeat(store, owner or default_owner(), lease_s=settings.lease_s, now=self._db_now)
        self._busy: dict[str, asyncio.Task[None]] = {}
        self._kept = KeptPolls(self.heartbeat)  # held jobs' next polls: in memory, not in the store
        self._next_progress = 0.0  # when the progress replies are next looked at
        # Jobs are taken (new ones, and those of workers that are gone) when something outside the runner
        # wakes it and every sixth of a lease; the ticks between, woken by the steps, only read.
        self._take_over_at = 0.0
        self._outside = True
        self._pools = {
            "send": asyncio.Semaphore(settings.submit_workers),
            "poll": asyncio.Semaphore(settings.poll_workers),
            "deliver": asyncio.Semaphore(settings.deliver_workers),
        }
        self._submitter = Submitter(
            store,
            client,
            move=self._move,
            accept=lambda job, status: self._poller.accepted(job, status),
            error_backoff_s=settings.error_backoff_s,
            max_backoff_s=max(settings.poll_max_s, settings.error_backoff_s),
            clock=clock,
            modlog=modlog,
        )
        self._progress = Progress(
            store,
            notifier,
            every_s=settings.progress_every_s,
            clock=clock,
            pause=lambda now: self._submitter.pause_reason if self._submitter.paused(now) else None,
        )
        self._deliverer = Deliverer(
            store, client, notifier, policy, move=self._move, video_dir=video_dir, clock=clock, modlog=modlog
        )
        self._poller = Poller(
            client,
            self._progress,
            self._deliverer,
            settings,
            move=self._move,
            later=self._kept.keep,
            heartbeat=self.heartbeat,
            deliveries=self._pools["deliver"],
            clock=clock,
        )

    # -- start, stop, heartbeat ----------------------------------------------------------------------

    def start(self) -> None:
        """Start the heartbeat and the loop (idempotent)."""
        if self._task is None or self._task.done():
            self._stopping = False
            self._kept.clear()  # kept polls of an earlier run: the claims decide again
            self._task = asyncio.create_task(self._loop(), name="reelbot-runner")

    async def stop(self, *, grace_s: float = 10.0) -> None:
        """Let running steps finish (up to ``grace_s``), stop, and free this worker's jobs for the others."""
        if self._task is None:
            return
        self._stopping = True
        self._wake.set()
        steps = list(self._busy.values())
        if steps:
            _, late = await asyncio.wait(steps, timeout=grace_s)
            if late:
                log.warning("runner: %d steps did not finish in %.0fs; stopping them", len(late), grace_s)
            for task in late:
                task.cancel()
        for loop_task in (self._task, self._heart):
            if loop_task is not None:
                loop_task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await loop_task
        self._task = self._heart = None
        self._kept.clear()
        with contextlib.suppress(Exception):
            await self.heartbeat.retire()

    def wake(self) -> None:
        """Run a tick soon (a job was queued, cancelled or approved)."""
        self._outside = True
        self._wake.set()

    @property
    def alive(self) -> bool:
        """Return True while the loop runs."""
        return self._task is not None and not self._task.done()

    def _db_now(self) -> float | None:
        return None if self._settings.database_clock else self._clock()

    @property
    def worker_id(self) -> str:
        """This process's worker id (the lease owner of its jobs)."""
        return self.heartbeat.worker_id

    def _retired(self) -> None:
        self._stopping = True
        self._wake.set()

    async def _register(self) -> None:
        if not await self.heartbeat.register():
            self._retired()

    async def _beat(self) -> None:
        if not await self.heartbeat.beat():
            self._retired()

    async def _loop(self) -> None:
        await self._register()
        self._heart = asyncio.create_task(self.heartbeat.run(self._retired), name="reelbot-heartbeat")
        gap = self._settings.poll_min_s / 16  # wakes closer than this are served by one tick
        while not self._stopping:
            started = time.monotonic()
            try:
                delay = await self._tick()
            except Exception:  # never let the loop die silently
                log.exception("runner tick failed")
                delay = self._settings.error_backoff_s
            if self._stopping:
                break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=delay)
            # Many steps ending at once (a burst) each wake the loop: one tick serves them all.
            await asyncio.sleep(max(0.0, started + gap - time.monotonic()))
            self._wake.clear()

    # -- a tick ----------------------------------------------------------------------------------------

    async def run_once(self) -> float:
        """Do everything due now and wait for it (tests); return the seconds until something is due."""
        await self._register()
        self._outside = True
        delay = await self._tick()
        while self._busy:
            await asyncio.gather(*self._busy.values(), return_exceptions=True)
        return delay

    async def _tick(self) -> float:
        now = self._clock()
        take_over = self._outside or now >= self._take_over_at
        if take_over:  # a wake that comes while the claim runs is kept for the next tick
            self._outside = False
        try:
            due = await self._store.claim(
                self.worker_id,
                stale_s=self._settings.lease_s,
                now=self._db_now(),
                due_at=now,
                queued=self._settings.max_in_flight * 2,  # more cannot be sent now anyway
                take_over=take_over,
                # A step under way is not read again (in a burst, most of the due jobs). A snapshot: a step
                # that ends during the claim may have been read before its write, so it waits for the next tick.
                skip=frozenset(self._busy),
            )
        except Exception:
            self._outside = self._outside or take_over  # try the taking again next tick
            raise
        if take_over:
            self._take_over_at = now + self._settings.lease_s / 6
        queued: list[Job] = []
        for job in due:
            if job.id in self._busy or self._kept.owns(job):
                continue
            if job.state is JobState.AWAITING_APPROVAL and now > job.deadline_at:
                await self._move(job, "expire", finished_at=now, error_code="approval_timeout")
            elif job.state is JobState.QUEUED and now > job.deadline_at:
                await self._move(job, "expire", finished_at=now, error_code="queue_timeout")
            elif job.state is JobState.QUEUED:
                queued.append(job)
            elif job.state is JobState.SUBMITTING:
                self._spawn(job, "send", self._resolve)
            elif job.state in IN_FLIGHT:
                self._spawn(job, "poll", self._poller.poll, fresh=True)  # a GET; its writes are fenced
            elif job.state in OUTCOMES:
                self._spawn(job, "deliver", self._deliverer.finish)
        for job in self._kept.due(now, self._busy):
            self._spawn(job, "poll", self._poller.poll, fresh=True)
        if queued and not self._submitter.paused(now):
            await self._send_queued(queued)
        if now >= self._next_progress:
            self._next_progress = now + self._settings.progress_every_s / 4
            active = await self._store.held(self.worker_id, (JobState.QUEUED, *AT_PROVIDER))
            await self._progress.refresh(active, busy=self._busy)
        return await self._next_delay(now, waiting=bool(queued))

    async def _send_queued(self, queued: list[Job]) -> None:
        """Take a provider slot for each queued job, oldest first, while the provider has room."""
        for job in queued:
            moved = await transition(
                self._store,
                job.id,
                guild_id=job.guild_id,
                expect=JobState.QUEUED,
                event="send",
                lease=job.lease,
                slot_limit=self._settings.max_in_flight,
                now=self._db_now(),
            )
            if moved.applied and moved.job is not None:
                self._spawn(moved.job, "send", self._submitter.send, fresh=True)
            elif moved.job is not None and moved.job.state is JobState.QUEUED and moved.job.lease == job.lease:
                return  # no free slot: the rest wait

    def _spawn(
        self, job: Job, pool: str, step: Callable[[Job], Coroutine[Any, Any, None]], *, fresh: bool = False
    ) -> None:
        """Run ``step`` for the job in its pool, as a task of its own (one at a time per job).

        A job read by the tick may have moved on while the tick awaited something else (a step that just
        ended delivered it, say): unless ``fresh``, the step starts only if the job is still as it was read,
        so no side effect (a POST, an upload) is ever repeated from a stale copy. Polls are spawned ``fresh``:
        a GET repeats nothing, and what it writes is fenced by the state and lease it read.
        """

        async def run() -> None:
            try:
                async with self._pools[pool]:
                    current = job if fresh else await self._store.get_job(job.id)
                    if current is None or _progress_of(current) != _progress_of(job):
                        return
                    with job_context(job.id, job.guild_id, job.user_id):
                        await step(current)
            except Exception:
                log.exception("job %s: %s step failed", job.id, pool)
                if pool == "poll":  # its schedule was in memory: keep one
                    self._kept.keep_after_failure(job, self._clock(), self._settings.error_backoff_s)
            finally:
                self._busy.pop(job.id, None)
                self._wake.set()

        self._busy[job.id] = asyncio.create_task(run(), name=f"reelbot-{pool}-{job.id}")

    async def _next_delay(self, now: float, *, waiting: bool) -> float:
        delay = min(self._settings.idle_s, self._next_progress - now)
        next_due = await self._store.next_due(self.worker_id)
        if next_due is not None:
            delay = min(delay, next_due - now)
        soonest = self._kept.soonest()
        if soonest is not None:
            delay = min(delay, soonest - now)
        if waiting:  # queued jobs: try again when the pause ends or a slot may be free
            delay = min(delay, max(self._submitter.paused_until - now, self._settings.progress_every_s / 4))
        # Due work is batched into ticks of at least 1/16 of the shortest poll interval.
        return max(self._settings.poll_min_s / 16, delay)

    async def _move(self, job: Job, event: str, **changes: Any) -> Job | None:
        """Apply one lifecycle edge under this worker's lease; None if the job moved on without us."""
        outcome = await transition(
            self._store,
            job.id,
            guild_id=job.guild_id,
            expect=job.state,
            event=event,
            lease=job.lease,
            changes=changes,
            now=self._db_now(),
        )
        if outcome.applied and outcome.job is not None:
            if event == "absent":  # back in the queue: say why it waits
                await self._progress.show(outcome.job)
            return outcome.job
        now = outcome.job
        if now is None or now.lease != job.lease:  # no longer ours: forget what we knew of it
            self._poller.forget(job.id)
            self._kept.forget(job.id)
        log.info(
            "job %s: %s from %s lost a race (now %s, lease %s)",
            job.id,
            event,
            job.state.value,
            now.state.value if now else "gone",
            "ours" if now and now.lease == job.lease else "moved on",
        )
        return None

    # -- send ------------------------------------------------------------------------------------------

    async def _resolve(self, job: Job) -> None:
        """A send whose outcome is unknown: resolve it, or give up honestly once the deadline has passed."""
        now = self._clock()
        if now > job.deadline_at + self._settings.late_grace_s:
            log.error("job %s: never learned whether the provider took it; price kept", job.id)
            await self._move(job, "unconfirmed", finished_at=now, error_code="unknown_submission")
            return
        if not self.heartbeat.trusted():
            return  # our leases may have lapsed: leave it for whoever holds it next
        await self._submitter.send(job)

    # -- progress --------------------------------------------------------------------------------------

    async def announce(self, job_id: str) -> None:
        """Show a new job in its reply at once (queued, with its place in line)."""
        await self._progress.announce(job_id)


def _progress_of(job: Job) -> tuple[object, ...]:
    """What a step started from a read must find unchanged: a send whose backoff was set since (a new
    ``next_poll_at`` and attempt count) is not due any more, and a delivered job is not delivered again."""
    return (job.state, job.lease, job.delivered_at, job.submit_attempts, job.next_poll_at)
