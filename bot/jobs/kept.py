"""The next polls of the jobs this process holds, kept in memory instead of in the store.

A poll that finds a job unfinished writes nothing (``bot/jobs/poller.py``); the runner starts the job's
next poll from here when it comes due. Each entry remembers the heartbeat's lapse count when it was kept:
a job kept across a lapse may have been taken over meanwhile, so its next poll is made to write (fenced)
to find out.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Container

from bot.jobs.heartbeat import Heartbeat
from bot.models import IN_FLIGHT, Job


class KeptPolls:
    """When each held job is next polled, and the copy of the job to poll it with."""

    def __init__(self, heartbeat: Heartbeat) -> None:
        self._heartbeat = heartbeat
        self._kept: dict[str, tuple[float, Job, int]] = {}  # job id -> (when, the job, lapses then)
        self._soonest = math.inf  # no later than the soonest entry (an early tick is harmless)

    def keep(self, job: Job, at: float) -> None:
        """Poll the job (this copy) again at ``at``."""
        self._kept[job.id] = (at, job, self._heartbeat.lapses)
        self._soonest = min(self._soonest, at)

    def keep_after_failure(self, job: Job, now: float, backoff_s: float) -> None:
        """A poll failed unexpectedly: try again after ``backoff_s``, or when its row comes due if sooner
        (a row due while its poll waits here would make every tick until then find it)."""
        if job.id in self._kept:
            return
        at = now + backoff_s
        if job.next_poll_at is not None and now < job.next_poll_at < at:
            at = job.next_poll_at
        self.keep(job, at)

    def forget(self, job_id: str) -> None:
        self._kept.pop(job_id, None)

    def clear(self) -> None:
        self._kept.clear()
        self._soonest = math.inf

    def owns(self, row: Job) -> bool:
        """True if the next poll of the job read as ``row`` is kept here. A row that moved on (taken over
        and back, or no longer at the provider) decides instead: the entry is dropped."""
        kept = self._kept.get(row.id)
        if kept is None:
            return False
        if kept[1].lease == row.lease and row.state in IN_FLIGHT:
            return True
        del self._kept[row.id]
        return False

    def due(self, now: float, busy: Container[str]) -> list[Job]:
        """Take out and return the jobs whose poll has come (those not ``busy``)."""
        out: list[Job] = []
        soonest = math.inf
        for job_id, (at, job, lapses) in list(self._kept.items()):
            if at <= now and job_id not in busy:
                del self._kept[job_id]
                if lapses != self._heartbeat.lapses:  # kept across a lapse: the poll writes, fenced, to find out
                    job = dataclasses.replace(job, next_poll_at=None)
                out.append(job)
            else:
                soonest = min(soonest, at)
        self._soonest = soonest
        return out

    def soonest(self) -> float | None:
        """When the next kept poll may come due (None: nothing kept)."""
        return self._soonest if self._kept else None
