"""``reelbot try``: one generation from the terminal, through the same client, schedule, runner and
store code as the bot, with a live progress bar. It spends credits, so it asks first.

Its jobs live in their own SQLite file (DATA_DIR/try.sqlite3), so it never picks up the bot's jobs,
and its history teaches its own progress estimates.
"""

from __future__ import annotations

import asyncio
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from bot.config import Settings
from bot.errors import UserFacingError
from bot.jobs.notify import JobView
from bot.jobs.runner import Runner, RunnerSettings
from bot.jobs.service import JobRequest, JobService
from bot.media import normalise_image
from bot.models import OUTCOMES, Delivery, JobState, VideoOptions, format_credits
from bot.provider.client import CogVideoClient
from bot.provider.options import pack_images
from bot.provider.streaming import GrowingFile
from bot.spending.budget import SpendingPolicy
from bot.store.sqlite import open_sqlite

UNLIMITED = 10**15
BAR = 24


@dataclass
class TryRequest:
    """What the operator asked for on the command line."""

    prompt: str
    options: VideoOptions
    image: Path | None
    out: Path | None
    last_image: Path | None = None  # with image: a first-and-last-frame video


class ConsoleNotifier:
    """Shows the job on one terminal line and saves the video where asked."""

    def __init__(self, out: Path | None, write: Callable[[str], None]) -> None:
        self._out = out
        self._write = write
        self.result: JobView | None = None
        self.saved: Path | None = None

    async def show(self, view: JobView) -> None:
        """Redraw the progress line."""
        job = view.job
        if job.state is JobState.QUEUED:
            self._write(f"\r⏳ queued (#{view.position})".ljust(70))
            return
        elapsed = time.time() - (job.submitted_at or job.created_at)
        filled = round(view.progress * BAR)
        bar = "█" * filled + "░" * (BAR - filled)
        self._write(
            f"\r🎬 generating {bar} {round(view.progress * 100):3d}%  {elapsed:4.0f}s of ~{view.expected_s:.0f}s"
        )

    async def deliver(self, view: JobView) -> bool:
        """Keep the final state (and copy the video to its destination)."""
        self.result = view
        if view.video is not None:
            dest = self._out or Path.cwd() / f"reelbot-{view.job.id}.mp4"
            source = view.video
            if isinstance(source, GrowingFile):  # still downloading: the copy needs all of it
                await source.wait_for(source.size)
                source = source.path
            await asyncio.to_thread(shutil.copyfile, source, dest)
            self.saved = dest
        return True


async def run_try(settings: Settings, req: TryRequest, *, write: Callable[[str], None]) -> int:
    """Generate one video; return 0 when it was saved."""
    policy = SpendingPolicy(price=settings.price_per_video, daily_budget=UNLIMITED, hourly_limit=UNLIMITED)
    store = await open_sqlite(settings.data_dir / "try.sqlite3")
    notifier = ConsoleNotifier(req.out, write)
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120, sock_connect=10)) as session:
            client = CogVideoClient(
                session,
                base_url=settings.video_api_base,
                api_key=settings.video_api_key,
                watermark=settings.video_watermark,
            )
            runner = Runner(
                store,
                client,
                notifier,
                policy,
                owner="reelbot-try",
                video_dir=settings.data_dir / "videos",
                settings=RunnerSettings(
                    max_in_flight=1,
                    poll_min_s=settings.poll_min_interval,
                    poll_max_s=settings.poll_max_interval,
                    progress_every_s=1.0,
                ),
            )
            jobs = JobService(store, policy, deadline_s=settings.job_deadline_seconds)
            try:
                paths = [p for p in (req.image, req.last_image) if p is not None]
                image = pack_images([await normalise_image(p.read_bytes()) for p in paths])
                job = await jobs.request(
                    JobRequest(
                        user_id=0,
                        kind="image" if image else "text",
                        prompt=req.prompt,
                        options=req.options,
                        image=image,
                        delivery=Delivery(guild_id=0, channel_id=0, message_id=0, application_id=0, upload_limit=2**40),
                    )
                )
            except UserFacingError as exc:
                write(f"reelbot: {exc}\n")
                return 2
            while notifier.result is None:
                delay = await runner.run_once()
                current = await store.get_job(job.id)
                if current is not None and current.state in OUTCOMES and current.delivered_at:
                    break
                await asyncio.sleep(min(delay, 1.0))
    finally:
        await store.close()
    return _report(notifier, write)


def _report(notifier: ConsoleNotifier, write: Callable[[str], None]) -> int:
    view = notifier.result
    write("\n")
    if view is None:
        write("reelbot: the job ended without a result\n")
        return 1
    job = view.job
    cost = format_credits(job.price) if job.charge.value == "reserved" else "0"
    if notifier.saved is not None:
        took = (job.finished_at or time.time()) - job.created_at
        write(
            f"✅ saved {notifier.saved} ({notifier.saved.stat().st_size} bytes) in {took:.0f}s · cost {cost} credits\n"
        )
        return 0
    if job.video_url:
        write(f"⚠️ the video could not be downloaded; it is at {job.video_url} · cost {cost} credits\n")
        return 1
    write(f"❌ no video: {job.error_code or job.state.value} {job.error_detail or ''}· cost {cost} credits\n")
    return 1
