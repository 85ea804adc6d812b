"""Finishing a job: fetch the video (streamed to disk, capped at the upload limit) and hand it over.

A video larger than the server's upload limit is linked instead; a result URL that fails to
download is refreshed from the provider a bounded number of times before the link is used.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from pathlib import Path

from bot.jobs.faults import crash_point
from bot.jobs.notify import JobView, ModLog, NoModLog, Notifier, Video
from bot.jobs.submit import Move
from bot.metrics import DELIVERY_LAG
from bot.models import Job, JobState
from bot.provider import errors
from bot.provider.client import CogVideoClient, VideoTooLarge
from bot.provider.streaming import GrowingFile
from bot.spending.budget import SpendingPolicy, budget_day
from bot.store.base import POLICY_TTL_S, Store

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
        video: Video | None = None
        why_link, download = None, None
        if job.state is JobState.SUCCEEDED:
            job, video, why_link, download = await self._fetch_video(job, stream=True)
            crash_point("after_download")  # the download has begun (a streamed one is still running)
        try:
            try:
                delivered = await self._show_final(job, video, why_link)
            except Exception as exc:
                if not isinstance(video, GrowingFile):
                    raise
                # The upload that read the download as it grew failed (the download stopped short, or the
                # upload itself broke): it was abandoned before its last byte, so nothing reached the member.
                # Download the whole video the usual way (a fresh link if need be), then upload it.
                why = video.error or exc
                log.warning("job %s: the upload during the download failed (%s); trying again", job.id, why)
                video.close_followers()
                await _settle(download)
                job, video, why_link, download = await self._fetch_video(job, stream=False)
                delivered = await self._show_final(job, video, why_link)
            crash_point("after_upload")  # the member has the video; the store does not know yet
        finally:
            if isinstance(video, GrowingFile):
                video.close_followers()
            await _settle(download, wanted=isinstance(video, GrowingFile) and video.complete)
            if video is not None:
                self._video_path(job).unlink(missing_ok=True)
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

    async def _show_final(self, job: Job, video: Video | None, why_link: str | None) -> bool:
        policy = await self._store.get_policy(job.guild_id, max_age_s=POLICY_TTL_S)
        day, _ = budget_day(job.created_at, policy.timezone)
        left = self._policy.daily_cap(policy, job.created_at) - await self._store.spent(job.guild_id, day)
        late = job.finished_at is not None and job.finished_at > job.deadline_at > 0
        notice = why_link or ("late" if late else None)
        view = JobView(job=job, now=self._clock(), budget_left=max(0, left), video=video, notice=notice)
        return await self._notifier.deliver(view)

    def _video_path(self, job: Job) -> Path:
        return self._dir / f"{job.id}.mp4"

    async def _fetch_video(
        self, job: Job, *, stream: bool
    ) -> tuple[Job, Video | None, str | None, asyncio.Task[int] | None]:
        """Download the mp4, or with ``stream`` start downloading it and return it growing (with the task
        that downloads it) once its size is known; else return no video and why the member gets a link
        ("too_large", "download_failed")."""
        self._dir.mkdir(parents=True, exist_ok=True)
        dest = self._video_path(job)
        for attempt in range(1, DOWNLOAD_TRIES + 1):
            if not job.video_url:
                break
            follow: asyncio.Future[GrowingFile] = asyncio.get_running_loop().create_future()
            task = asyncio.create_task(
                self._client.download(
                    job.video_url,
                    dest,
                    max_bytes=job.delivery.upload_limit,
                    follow=follow.set_result if stream else None,
                )
            )
            try:
                await asyncio.wait((task, follow), return_when=asyncio.FIRST_COMPLETED)
            except BaseException:  # the delivery was cancelled (shutdown): so is its download
                await _settle(task)
                raise
            if follow.done() and not task.done():
                return job, follow.result(), None, task
            try:
                size = await task
            except VideoTooLarge as exc:
                log.info(
                    "job %s: video over the upload limit (%d > %d); linking",
                    job.id,
                    exc.size,
                    job.delivery.upload_limit,
                )
                return job, None, "too_large", None
            except errors.ProviderError as exc:
                log.warning("job %s: download failed (%s), try %d of %d", job.id, exc, attempt, DOWNLOAD_TRIES)
                if attempt < DOWNLOAD_TRIES:
                    job = await self._refresh_url(job)
                continue
            log.info("job %s: video downloaded (%d bytes)", job.id, size)
            return job, dest, None, None
        return job, None, "download_failed", None

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


async def _settle(download: asyncio.Task[int] | None, *, wanted: bool = False) -> None:
    """Let a download that has all its bytes close its connection; cancel one the delivery no longer reads
    (the upload was refused or failed)."""
    if download is None:
        return
    if not download.done() and not wanted:
        download.cancel()
    await asyncio.gather(download, return_exceptions=True)
