"""Two bot processes, each running one of two shards, on one PostgreSQL database.

One is killed (SIGKILL) with jobs at the provider; the other takes them over once their lease runs
out and delivers each exactly once. Only the process with shard 0 syncs commands.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from tests.conftest import drop_schema, fresh_schema, postgres_url
from tests.e2e.harness import BotProcess, bot_env, wait_until
from tests.e2e.test_video import finished, prompt
from tests.standins.fake_discord import FakeDiscord
from tests.standins.fake_video import TINY_MP4, FakeVideoAPI


@asynccontextmanager
async def two_processes(
    tmp_path: Path, video_api: FakeVideoAPI, database: str, *, upload_seconds: float = 0.0
) -> AsyncIterator[tuple[FakeDiscord, BotProcess, BotProcess]]:
    """Two bots on one PostgreSQL database, shards 0 and 1 of 2, with a 2-second lease (the guild: shard 0)."""
    discord_api = FakeDiscord(guild_shard=(0, 2))
    await discord_api.start()
    discord_api.upload_seconds = upload_seconds  # how long an upload takes (a slow uplink)
    common = {"DATABASE_URL": database, "SHARD_COUNT": "2", "LEASE_SECONDS": "2"}
    a_dir, b_dir = tmp_path / "a", tmp_path / "b"
    a_dir.mkdir()
    b_dir.mkdir()
    a = BotProcess(a_dir, bot_env(a_dir, discord_api, video_api, SHARD_IDS="0", **common))
    b = BotProcess(b_dir, bot_env(b_dir, discord_api, video_api, SHARD_IDS="1", **common))
    try:
        await a.start(discord_api)
        await b.start(discord_api)
        yield discord_api, a, b
    finally:
        await a.stop()
        await b.stop()
        await discord_api.stop()


@pytest.fixture
async def database() -> AsyncIterator[str]:
    url = postgres_url()
    schema = await fresh_schema(url)
    yield f"{url}?search_path={schema}"
    await drop_schema(url, schema)


async def test_a_killed_process_jobs_are_finished_once_by_the_other(
    tmp_path: Path, video_api: FakeVideoAPI, database: str
) -> None:
    video_api.duration = 3.0
    async with two_processes(tmp_path, video_api, database) as (discord_api, a, b):
        interactions = [await discord_api.slash("video", prompt(f"scene {i}")) for i in range(3)]
        await discord_api.wait_for(lambda: len(video_api.submits) == 3, what="three submits")
        await a.kill()

        for inter in interactions:
            reply = await discord_api.wait_for(
                lambda i=inter: finished(discord_api, i), what="a finished reply", timeout=40
            )
            assert list(reply.files.values()) == [TINY_MP4]
            assert sum(1 for h in reply.history if h["title"].startswith("✅")) == 1
        # One paid task per job. A submit that A sent but did not live to record may be repeated by B with
        # the same request_id: the provider answers 1231 and B adopts the task instead of paying again.
        assert len(video_api.tasks) == 3 and len(set(video_api.submitted_request_ids())) == 3
        await wait_until(lambda: b.log().count("delivered (succeeded)") == 3, what="three deliveries by b")
        syncs = [r for r in discord_api.requests if r.method == "PUT" and r.path.endswith("/commands")]
        assert len(syncs) == 1
        assert discord_api.invalid_bodies == []  # every body sent would pass Discord's own validation


async def test_budgets_stay_exact_across_processes(tmp_path: Path, video_api: FakeVideoAPI, database: str) -> None:
    # Both processes admit requests for one guild at once; the database keeps the budget exact.
    from bot.jobs.service import JobRequest, JobService
    from bot.models import Delivery, VideoOptions
    from bot.spending.budget import SpendingPolicy
    from bot.store.postgres import open_postgres

    url, _, schema = database.partition("?search_path=")
    stores = [await open_postgres(url, schema=schema) for _ in range(2)]
    try:
        policy = SpendingPolicy(price=100_000, daily_budget=300_000, hourly_limit=100)
        services = [JobService(s, policy, deadline_s=600) for s in stores]
        import asyncio

        requests = [
            services[i % 2].request(
                JobRequest(
                    user_id=i,
                    kind="text",
                    prompt="x",
                    options=VideoOptions(model="cogvideox-2"),
                    delivery=Delivery(guild_id=42, channel_id=1, message_id=i, application_id=1),
                )
            )
            for i in range(20)
        ]
        results = await asyncio.gather(*requests, return_exceptions=True)
        assert sum(not isinstance(r, BaseException) for r in results) == 3
    finally:
        for s in stores:
            await s.close()


async def test_two_live_processes_never_take_each_others_jobs_however_slow_the_uploads(
    tmp_path: Path, video_api: FakeVideoAPI, database: str
) -> None:
    """Uploads that take longer than LEASE_SECONDS: a live process's heartbeat keeps its jobs.

    Before the lifecycle issue: leases were renewed between iterations, so while one process was busy
    uploading, the other took its jobs over and uploaded the same videos into the same replies again."""
    video_api.duration = 1.0
    async with two_processes(tmp_path, video_api, database, upload_seconds=3.0) as (discord_api, a, b):
        interactions = [await discord_api.slash("video", prompt(f"slow scene {i}")) for i in range(6)]
        for inter in interactions:
            reply = await discord_api.wait_for(
                lambda i=inter: finished(discord_api, i), what="a finished reply", timeout=60
            )
            assert list(reply.files.values()) == [TINY_MP4]
        uploads = [r for r in discord_api.requests if r.uploads and r.status < 300]
        assert len(uploads) == 6, [r.path for r in uploads]  # each video uploaded once
        assert len(video_api.tasks) == 6 and len(video_api.submits) == 6  # each job submitted once
        await wait_until(
            lambda: a.log().count("delivered (succeeded)") + b.log().count("delivered (succeeded)") == 6,
            what="six deliveries recorded",
        )
        assert "lost a race" not in a.log() + b.log()  # no write was fenced off: no job changed hands
