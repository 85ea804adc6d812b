"""reelbot-only benchmarks with no naive counterpart: relaying a large video, and start-up with many
unfinished jobs. Each prints a markdown row and returns the number of targets missed."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from bench.procstat import rss_mib
from bench.scenario import reelbot_env
from bench.standins import BenchDiscord, BenchVideo
from tests.e2e.harness import BotProcess


async def relay(workdir: Path) -> int:
    """A 95 MiB result is streamed to disk: the bot's RSS grows by at most 16 MiB."""
    workdir.mkdir(parents=True)  # noqa: ASYNC240
    discord_api, video_api = BenchDiscord(premium_tier=3), BenchVideo(duration=0.5, big_size=95 * 1024 * 1024)
    await discord_api.start()
    await video_api.start()
    bot = BotProcess(workdir, reelbot_env(workdir, discord_api, video_api, 1, POLL_MIN_INTERVAL="0.5"))
    await bot.start(discord_api)
    assert bot.proc is not None
    try:
        await asyncio.sleep(2.0)
        before = peak = rss_mib(bot.proc.pid)[0]
        _, (inter,) = await discord_api.burst(["a big one [big]"])
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            reply = discord_api.reply_to(inter)
            if reply is not None and reply.final_at is not None:
                break
            peak = max(peak, rss_mib(bot.proc.pid)[0])
            await asyncio.sleep(0.02)
        growth = peak - before
        print(f"| RSS growth relaying a 95 MiB video (reelbot only) | {growth:.3g} MiB | ≤ 16 MiB |", flush=True)
        return int(growth > 16)
    finally:
        await bot.stop()
        await discord_api.stop()
        await video_api.stop()


async def startup(workdir: Path, jobs: int = 1000) -> int:
    """Time from process start to gateway ready with 1,000 unfinished jobs in the store."""
    workdir.mkdir(parents=True)  # noqa: ASYNC240
    discord_api, video_api = BenchDiscord(), BenchVideo(duration=3600)
    await discord_api.start()
    await video_api.start()
    bot = BotProcess(workdir, reelbot_env(workdir, discord_api, video_api, jobs))
    try:
        await bot.start(discord_api)
        sent = []
        for k in range(0, jobs, 100):  # in bursts of 100, so that every command is acknowledged in time
            sent += (await discord_api.burst([f"waiting {i}" for i in range(k, min(jobs, k + 100))]))[1]
            await asyncio.sleep(1.0)
        acked = sum(1 for i in sent if i.acked_at is not None)
        await discord_api.wait_for(lambda: len(video_api.tasks) >= acked, timeout=300, what="the jobs submitted")
        await bot.stop()
        started = time.monotonic()
        await bot.start(discord_api)
        took = time.monotonic() - started
        print(
            f"| start-up to gateway ready with {acked} unfinished jobs (reelbot only) | {took:.3g} s | — |", flush=True
        )
        return 0
    finally:
        await bot.stop()
        await discord_api.stop()
        await video_api.stop()


SCENARIOS: dict[str, Callable[[Path], Awaitable[int]]] = {"relay": relay, "startup": startup}
