"""Members' pictures are kept for Re-roll only INPUT_RETENTION_DAYS after their job ends (issue 13)."""

from __future__ import annotations

import asyncio

from bot.jobs.service import JobRequest, JobService
from bot.models import Delivery, Job, JobState, VideoOptions
from bot.retention import DAY_S, InputPruner
from bot.spending.budget import SpendingPolicy
from bot.store.sql import SqlStore
from tests.unit.test_spending import NOON, Clock

PICTURE = "data:image/png;base64,iVBORw0KGgo="


async def image_job(store: SqlStore, clock: Clock, *, user_id: int = 1) -> Job:
    policy = SpendingPolicy(price=100_000, daily_budget=100_000_000, hourly_limit=1000)
    jobs = JobService(store, policy, deadline_s=600, clock=clock)
    request = JobRequest(
        user_id=user_id,
        kind="image",
        prompt="the fox blinks",
        options=VideoOptions(model="cogvideox-2"),
        delivery=Delivery(guild_id=10, channel_id=2, message_id=3, application_id=4),
        image=PICTURE,
    )
    return await jobs.request(request)


async def end(store: SqlStore, job: Job, state: JobState, at: float) -> None:
    """Put the job where its life ended (as the runner would have), at ``at``."""
    await store._db.execute("UPDATE jobs SET state=?, finished_at=? WHERE id=?", state.value, float(at), job.id)


async def test_prune_deletes_pictures_of_jobs_finished_before_the_cutoff_only(store: SqlStore) -> None:
    """Proves the store prunes old finished jobs' pictures, and keeps recent and unfinished ones, on both engines."""
    clock = Clock()
    old_delivered, old_failed, recent, running = [await image_job(store, clock) for _ in range(4)]
    await end(store, old_delivered, JobState.DELIVERED, NOON - 31 * DAY_S)
    await end(store, old_failed, JobState.FAILED, NOON - 40 * DAY_S)
    await end(store, recent, JobState.DELIVERED, NOON - 29 * DAY_S)
    await store._db.execute("UPDATE jobs SET state=? WHERE id=?", JobState.PROCESSING.value, running.id)

    assert await store.prune_inputs(finished_before=NOON - 30 * DAY_S, limit=1) == 1  # batches are bounded
    assert await store.prune_inputs(finished_before=NOON - 30 * DAY_S) == 1
    assert await store.prune_inputs(finished_before=NOON - 30 * DAY_S) == 0

    assert await store.input_image(old_delivered.id) is None and await store.input_image(old_failed.id) is None
    assert await store.input_image(recent.id) == PICTURE and await store.input_image(running.id) == PICTURE
    assert await store.get_job(old_delivered.id) is not None  # the job and its money stay; only the picture goes


async def test_pruner_counts_days_from_its_clock_and_zero_keeps_pictures(store: SqlStore) -> None:
    """Proves the periodic pruner deletes pictures N days after the job ended, in batches, and 0 turns it off."""
    clock = Clock()
    jobs = [await image_job(store, clock) for _ in range(5)]
    for job in jobs:
        await end(store, job, JobState.DELIVERED, NOON)

    off = InputPruner(store, retention_days=0, clock=lambda: NOON + 365 * DAY_S)
    assert await off.run_once() == 0
    assert await InputPruner(store, retention_days=30, clock=lambda: NOON + 29.9 * DAY_S).run_once() == 0
    pruner = InputPruner(store, retention_days=30, clock=lambda: NOON + 30.1 * DAY_S, batch=2)
    assert await pruner.run_once() == 5
    assert all([await store.input_image(j.id) is None for j in jobs])


async def test_pruner_loop_runs_at_start_and_then_every_period_and_survives_a_failure() -> None:
    """Proves the loop prunes at once, again after each period, keeps going after an error, and stops cleanly."""
    calls: list[float] = []
    slept: list[float] = []
    waiting = asyncio.Event()

    class FlakyStore:
        async def prune_inputs(self, *, finished_before: float, limit: int = 500) -> int:
            calls.append(finished_before)
            if len(calls) == 1:
                raise OSError("database went away")
            return 0

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        if len(slept) >= 3:
            waiting.set()
            await asyncio.Event().wait()  # park until stopped

    pruner = InputPruner(FlakyStore(), retention_days=7, every_s=3600.0, clock=lambda: NOON, sleep=sleep)
    pruner.start()
    await asyncio.wait_for(waiting.wait(), 5)
    await pruner.stop()
    assert calls == [NOON - 7 * DAY_S] * 3 and slept == [3600.0] * 3
    assert not pruner.alive
