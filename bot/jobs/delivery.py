"""Finishing a job: fetch the video (streamed to disk, capped at the upload limit) and hand it over.

A video larger than the server's upload limit is linked instead; a result URL that fails to
download is refreshed from the provider a bounded number of times before the link is used.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path

from bot.jobs.faults import crash_point
from bot.jobs.notify import JobView, ModLog, NoModLog, Notifier
from bot.jobs.submit import Move
from bot.metrics import DELIVERY_LAG
from bot.models import Job, JobState
from bot.provider import errors
from bot.provider.client import CogVideoClient, VideoTooLarge
from bot.spending.budget import SpendingPolicy, budget_day
from bot.store.base import Store

log = logging.getLogger(__name__)

DOWNLOAD_TRIES = 3
DELIVERY_TRIES = 5


class Deliverer:
    """Turns a finished job into the member's final message, once."""

    def __init__(
        self,
        store: Store,
        client: CogVideoClient,
        notifier: Notifier,
        policy: SpendingPolicy,
        *,
        move: Move,
        video_dir: Path,
        clock: Callable[[], float] = time.time,
        modlog: ModLog | None = None,
    ) -> None:
        self._move = move
        self._modlog: ModLog = modlog or NoModLog()
        self._store = store
        self._client = client
        self._notifier = notifier
        self._policy = policy
        self._dir = video_dir
        self._clock = clock
        self._delivery_failures: dict[str, int] = {}

    async def finish(self, job: Job) -> None:
        """Deliver a SUCCEEDED, FAILED or EXPIRED job that the member has not seen finished yet."""
        if job.delivered_at is not None:
            return
        video, why_link = None, None
        if job.state is JobState.SUCCEEDED:
            job, video, why_link = await self._fetch_video(job)
            crash_point("after_download")
        policy = await self._store.get_policy(job.guild_id)
        day, _ = budget_day(job.created_at, policy.timezone)
        left = self._policy.daily_cap(policy, job.created_at) - await self._store.spent(job.guild_id, day)
        view = JobView(job=job, now=self._clock(), budget_left=max(0, left), video=video, notice=why_link)
        if why_link is None and job.finished_at is not None and job.finished_at > job.deadline_at > 0:
            view = JobView(job=job, now=view.now, budget_left=view.budget_left, video=video, notice="late")
        try:
            delivered = await self._notifier.deliver(view)
            crash_point("after_upload")  # the member has the video; the store does not know yet
        finally:
            if video is not None:
                video.unlink(missing_ok=True)
        if not delivered:
            failures = self._delivery_failures.get(job.id, 0) + 1
            self._delivery_failures[job.id] = failures
            if failures < DELIVERY_TRIES:
                log.warning("job %s: delivery failed (%d); will retry", job.id, failures)
                return
            log.error("job %s: could not reach the member after %d tries; giving up", job.id, failures)
        self._delivery_failures.pop(job.id, None)
        outcome = job.state
        delivered_at = self._clock()
        moved = await self._move(
            job, "delivered" if outcome is JobState.SUCCEEDED else "shown", delivered_at=delivered_at
        )
        if moved is None:
            return
        job = moved
        if job.finished_at is not None:
            DELIVERY_LAG.observe(max(0.0, delivered_at - job.finished_at))
        log.info("job %s delivered (%s)", job.id, outcome.value)
        await self._modlog.event(job.guild_id, "result", job=job)

    async def _fetch_video(self, job: Job) -> tuple[Job, Path | None, str | None]:
        """Download the mp4; else return None and why the member gets a link ("too_large", "download_failed")."""
        self._dir.mkdir(parents=True, exist_ok=True)
        dest = self._dir / f"{job.id}.mp4"
        for attempt in range(1, DOWNLOAD_TRIES + 1):
            if not job.video_url:
                break
            try:
                size = await self._client.download(job.video_url, dest, max_bytes=job.delivery.upload_limit)
            except VideoTooLarge as exc:
                log.info(
                    "job %s: video over the upload limit (%d > %d); linking",
                    job.id,
                    exc.size,
                    job.delivery.upload_limit,
                )
                return job, None, "too_large"
            except errors.ProviderError as exc:
                log.warning("job %s: download failed (%s), try %d of %d", job.id, exc, attempt, DOWNLOAD_TRIES)
                if attempt < DOWNLOAD_TRIES:
                    job = await self._refresh_url(job)
                continue
            log.info("job %s: video downloaded (%d bytes)", job.id, size)
            return job, dest, None
        return job, None, "download_failed"

    async def _refresh_url(self, job: Job) -> Job:
        """Ask the provider again for the result: its URLs may have expired."""
        if not job.task_id:
            return job
        try:
            status = await self._client.fetch(job.task_id)
        except errors.ProviderError as exc:
            log.warning("job %s: could not refresh the result url (%s)", job.id, exc)
            return job
        if not status.video_url:
            return job
        moved = await self._move(job, "refresh", video_url=status.video_url, cover_url=status.cover_url)
        return moved or job
