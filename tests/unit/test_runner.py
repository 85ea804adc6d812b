"""The runner against a local CogVideoX stand-in, with a recording notifier and a hand-driven clock."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from bot.jobs.notify import JobView
from bot.jobs.runner import Runner, RunnerSettings
from bot.jobs.service import JobRequest, JobService
from bot.models import Charge, Delivery, JobState, VideoOptions
from bot.provider.client import CogVideoClient
from bot.spending.budget import SpendingPolicy
from bot.store.sql import SqlStore
from tests.standins.fake_video import FakeVideoAPI


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


class RecordingNotifier:
    def __init__(self) -> None:
        self.shown: list[JobView] = []
        self.delivered: list[JobView] = []
        self.fail_deliveries = 0

    async def show(self, view: JobView) -> None:
        self.shown.append(view)

    async def deliver(self, view: JobView) -> bool:
        if self.fail_deliveries:
            self.fail_deliveries -= 1
            return False
        self.delivered.append(view)
        return True


class RecordingModLog:
    def __init__(self) -> None:
        self.events: list[tuple[int, str]] = []

    async def event(self, guild_id: int, kind: str, **_: object) -> None:
        self.events.append((guild_id, kind))


class World:
    def __init__(
        self,
        store: SqlStore,
        api: FakeVideoAPI,
        session: aiohttp.ClientSession,
        tmp: Path,
        *,
        max_in_flight: int = 5,
        deadline_s: float = 600,
    ) -> None:
        self.clock = Clock()
        self.store = store
        self.api = api
        self.notifier = RecordingNotifier()
        self.modlog = RecordingModLog()
        policy = SpendingPolicy(price=100_000, daily_budget=10_000_000, hourly_limit=100)

        async def no_sleep(_: float) -> None:
            return None

        client = CogVideoClient(session, base_url=api.base, api_key=api.api_key, sleep=no_sleep, timeout_s=0.5)
        self.runner = Runner(
            store,
            client,
            self.notifier,
            policy,
            modlog=self.modlog,
            video_dir=tmp / "videos",
            clock=self.clock,
            settings=self.settings(max_in_flight=max_in_flight),
        )
        self.jobs = JobService(store, policy, deadline_s=deadline_s, clock=self.clock)
        self._session, self._tmp, self._policy, self._client = session, tmp, policy, client

    @staticmethod
    def settings(**overrides: object) -> RunnerSettings:
        """The runner's knobs for tests: a pinned clock instead of the database's, fast polls."""
        base: dict[str, object] = {"max_in_flight": 5, "poll_min_s": 1, "poll_max_s": 5, "database_clock": False}
        return RunnerSettings(**{**base, **overrides})  # type: ignore[arg-type]

    def runner_with(self, *, owner: str | None = None, **overrides: object) -> Runner:
        """This process's runner with other knobs (use it instead of ``self.runner``), or with ``owner``
        another process's on the same store and provider (its own worker id)."""
        return Runner(
            self.store,
            self._client,
            self.notifier,
            self._policy,
            modlog=self.modlog,
            video_dir=self._tmp / ("videos" if owner is None else "videos-2"),
            clock=self.clock,
            owner=owner,
            settings=self.settings(**overrides),
        )

    def another_runner(self, **overrides: object) -> Runner:
        """A second process's runner on the same store and provider (its own worker id)."""
        return self.runner_with(owner="other-host:main", **overrides)

    async def request(self, prompt: str = "a fox", user_id: int = 1) -> str:
        job = await self.jobs.request(
            JobRequest(
                user_id=user_id,
                kind="text",
                prompt=prompt,
                options=VideoOptions(model="cogvideox-2"),
                delivery=Delivery(guild_id=10, channel_id=2, message_id=3, application_id=4),
            )
        )
        return job.id

    async def state(self, job_id: str) -> JobState:
        job = await self.store.get_job(job_id)
        assert job is not None
        return job.state

    async def run(self, times: int = 1, advance: float = 10.0) -> None:
        for _ in range(times):
            await self.runner.run_once()
            self.clock.now += advance


@pytest.fixture
async def world(store: SqlStore, tmp_path: Path) -> AsyncIterator[World]:
    api = FakeVideoAPI(duration=0.0)
    await api.start()
    async with aiohttp.ClientSession() as session:
        yield World(store, api, session, tmp_path)
    await api.stop()


async def test_a_job_goes_from_queued_to_delivered(world: World) -> None:
    job_id = await world.request()
    await world.run(3)
    assert await world.state(job_id) is JobState.DELIVERED
    [final] = world.notifier.delivered
    assert final.video is not None and final.budget_left == 9_900_000
    assert [v.job.state for v in world.notifier.shown][:1] == [JobState.SUBMITTED]
    assert len(world.api.submits) == 1


async def test_submission_respects_the_in_flight_limit(world: World) -> None:
    world.runner._settings = World.settings(max_in_flight=1)
    world.api.duration = 3600
    ids = []
    for i in range(3):
        ids.append(await world.request(f"job {i}"))
        world.clock.now += 1
    await world.run(2)
    assert [await world.state(i) for i in ids] == [JobState.PROCESSING, JobState.QUEUED, JobState.QUEUED]
    positions = [v.position for v in world.notifier.shown if v.job.state is JobState.QUEUED]
    assert set(positions) <= {1, 2}


async def test_a_submit_that_already_landed_is_adopted_not_repeated(world: World) -> None:
    job_id = await world.request()
    # The provider took our request before a crash; its task carries our request_id.
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            f"{world.api.base}/api/paas/v4/videos/generations",
            json={"model": "cogvideox-2", "prompt": "a fox", "request_id": f"reelbot-{job_id}"},
            headers={"Authorization": f"Bearer {world.api.api_key}"},
        ) as resp,
    ):
        existing = (await resp.json())["id"]
    await world.run(3)
    job = await world.store.get_job(job_id)
    assert job is not None and job.task_id == existing and job.state is JobState.DELIVERED
    assert len(world.api.tasks) == 1


async def test_rate_limits_keep_the_queue_and_retry_later(world: World) -> None:
    world.api.submit_errors.append((429, {"error": {"code": "1302", "message": "concurrency"}}))
    job_id = await world.request()
    await world.run(1, advance=1)
    assert await world.state(job_id) is JobState.QUEUED
    await world.run(1, advance=1)  # still paused: no second submit yet
    assert len(world.api.submits) == 1
    world.clock.now += 30
    await world.run(3)
    assert await world.state(job_id) is JobState.DELIVERED


async def test_out_of_balance_stops_submitting_and_alerts_once(world: World, caplog: pytest.LogCaptureFixture) -> None:
    for _ in range(2):
        world.api.submit_errors.append((429, {"error": {"code": "1113", "message": "Insufficient balance"}}))
    job_id = await world.request()
    with caplog.at_level(logging.ERROR):
        await world.run(1, advance=61)
        await world.run(1, advance=61)
        await world.run(3)
    assert [r.message for r in caplog.records].count(
        "provider account is out of balance (1113): top it up; queued jobs wait"
    ) == 1
    assert any(v.notice == "provider_balance" and v.job.state is JobState.QUEUED for v in world.notifier.shown)
    assert world.modlog.events.count((10, "provider_balance")) == 1  # the log channel hears it once
    assert await world.state(job_id) is JobState.DELIVERED


async def test_a_rejected_prompt_fails_and_is_released(world: World) -> None:
    job_id = await world.request("something [reject]")
    await world.run(2)
    job = await world.store.get_job(job_id)
    assert job is not None and job.state is JobState.FAILED and job.charge is Charge.RELEASED
    assert job.error_code == "content_rejected" and job.delivered_at is not None
    assert world.notifier.delivered[0].job.error_code == "content_rejected"


async def test_an_unknown_submit_outcome_is_retried_with_the_same_request_id(world: World) -> None:
    world.api.submit_errors.append((500, {"error": {"code": "500", "message": "internal"}}))
    job_id = await world.request()
    await world.run(4, advance=30)
    assert world.api.submitted_request_ids() == [f"reelbot-{job_id}"] * 2
    assert await world.state(job_id) is JobState.DELIVERED


async def test_a_generation_failure_keeps_the_charge(world: World) -> None:
    job_id = await world.request("a scene [fail]")
    await world.run(3)
    job = await world.store.get_job(job_id)
    assert job is not None and job.state is JobState.FAILED and job.charge is Charge.RESERVED


async def test_a_job_stuck_past_its_deadline_and_the_grace_period_expires_with_its_price_kept(world: World) -> None:
    world.api.duration = 3600 * 5
    job_id = await world.request()
    await world.run(2, advance=10)
    world.clock.now += 700 + 1800
    await world.run(2)
    job = await world.store.get_job(job_id)
    assert job is not None and job.state is JobState.EXPIRED and job.delivered_at is not None
    assert job.charge is Charge.RESERVED  # the provider accepted (and bills) it
    assert world.notifier.delivered[-1].job.error_code == "deadline"


async def test_a_late_video_within_the_grace_period_is_still_delivered(world: World) -> None:
    """Past its deadline the task is still polled (slowly); the paid-for video reaches the member with a note.

    Failed on the old runner: the job expired at the deadline and the video the provider billed was abandoned."""
    world.api.duration = 1.0  # real seconds
    job_id = await world.request()
    await world.run(1, advance=0)  # submitted
    world.clock.now += 700  # past the 600 s deadline, with the provider still working
    await world.run(1, advance=60)
    job = await world.store.get_job(job_id)
    assert job is not None and job.state is JobState.PROCESSING
    assert world.notifier.shown[-1].notice == "late"  # the member is told it is slow, not that it failed
    await asyncio.sleep(1.1)
    await world.run(2, advance=60)
    job = await world.store.get_job(job_id)
    assert job is not None and job.state is JobState.DELIVERED and job.charge is Charge.RESERVED
    assert world.notifier.delivered[-1].notice == "late"


async def test_polls_follow_the_schedule_not_every_iteration(world: World) -> None:
    world.api.duration = 3600
    await world.request()
    for _ in range(10):
        await world.runner.run_once()
        world.clock.now += 1
    task = next(iter(world.api.tasks.values()))
    assert task.polls <= 2  # a 90 s prior: the first poll is ~45 s after submit


async def test_a_failed_delivery_is_retried(world: World) -> None:
    world.notifier.fail_deliveries = 2
    job_id = await world.request()
    await world.run(5)
    assert await world.state(job_id) is JobState.DELIVERED
    assert len(world.notifier.delivered) == 1


async def test_an_expired_result_url_is_refreshed_and_downloaded(world: World) -> None:
    world.api.file_failures = 1
    job_id = await world.request()
    await world.run(3)
    assert await world.state(job_id) is JobState.DELIVERED
    [final] = world.notifier.delivered
    assert final.video is not None and final.notice is None
    assert world.api.downloads == 2


async def test_a_result_that_never_downloads_is_linked(world: World) -> None:
    world.api.file_failures = 10
    await world.request()
    await world.run(3)
    [final] = world.notifier.delivered
    assert final.video is None and final.notice == "download_failed" and final.job.video_url
    assert world.api.downloads == 3  # bounded


async def test_a_submit_that_timed_out_but_landed_is_adopted_not_paid_twice(world: World) -> None:
    world.api.submit_errors.append(("hang", 1.0))
    job_id = await world.request()
    await world.run(1, advance=1)
    job = await world.store.get_job(job_id)
    assert job is not None and job.state is JobState.SUBMITTING and job.submit_attempts == 1  # outcome unknown
    assert job.charge is Charge.RESERVED
    await asyncio.sleep(0.6)  # the provider finishes creating the task whose answer was lost
    await world.run(4, advance=30)
    assert await world.state(job_id) is JobState.DELIVERED
    assert len(world.api.tasks) == 1 and len(world.api.submits) == 2
    assert world.api.submitted_request_ids() == [f"reelbot-{job_id}"] * 2


async def test_an_html_error_page_on_submit_is_retried_with_the_same_request_id(world: World) -> None:
    world.api.submit_errors.append(("html", 502))
    job_id = await world.request()
    await world.run(4, advance=30)
    assert await world.state(job_id) is JobState.DELIVERED
    assert len(world.api.tasks) == 1


async def test_an_overloaded_provider_1305_keeps_the_queue_with_a_short_backoff(world: World) -> None:
    world.api.submit_errors.append((429, {"error": {"code": "1305", "message": "该模型当前访问量过大"}}))
    job_id = await world.request()
    await world.run(1, advance=3)
    assert await world.state(job_id) is JobState.QUEUED
    assert any(v.notice == "provider_busy" for v in world.notifier.shown)
    await world.run(4, advance=10)
    assert await world.state(job_id) is JobState.DELIVERED


async def test_a_hung_result_lookup_is_retried_later(world: World) -> None:
    job_id = await world.request()
    await world.run(1)  # submitted
    world.api.result_hangs = 4  # every bounded retry of the next poll times out
    await world.run(1)
    assert await world.state(job_id) is JobState.SUBMITTED
    await world.run(3)
    assert await world.state(job_id) is JobState.DELIVERED


async def test_the_same_job_is_never_worked_by_two_processes_at_once(world: World) -> None:
    """A live worker's jobs are never taken; a dead one's are, once its heartbeat is LEASE_SECONDS old."""
    job_id = await world.request()
    other = world.another_runner()
    await other._register()
    assert [j.id for j in await world.store.claim(other.worker_id, stale_s=30, now=world.clock.now)] == [job_id]
    await world.run(1)
    assert world.api.submits == []  # the job is held by a live process
    world.clock.now += 25
    await other._beat()  # its heartbeat goes on, whatever its work is doing
    world.clock.now += 25
    await world.run(1)
    assert world.api.submits == []
    world.clock.now += 31  # the other process died: no heartbeat for longer than the lease
    await world.run(3)
    assert await world.state(job_id) is JobState.DELIVERED


async def test_an_unapproved_request_expires_without_a_charge(world: World) -> None:
    from bot.models import GuildPolicy

    await world.store.save_policy(10, GuildPolicy(approval=True, approval_expire_h=1.0), by=1, at=world.clock.now)
    job_id = await world.request()
    job = await world.store.get_job(job_id)
    assert job is not None and job.state is JobState.AWAITING_APPROVAL and job.charge is Charge.NONE
    await world.run(1)
    assert world.api.submits == []
    world.clock.now += 3601
    await world.run(2)
    job = await world.store.get_job(job_id)
    assert job is not None and job.state is JobState.EXPIRED and job.error_code == "approval_timeout"
    assert job.delivered_at is not None and job.charge is Charge.NONE
    assert await world.store.spent(10, "2027-01-15") == 0


@pytest.mark.parametrize("code", ["1304", "1308"])
async def test_daily_call_limit_and_usage_cap_pause_submitting_like_an_empty_balance(world: World, code: str) -> None:
    """1304 (daily calls) and 1308 (usage cap): the job stays queued, the log channel hears it once, no fast retries."""
    for _ in range(2):
        world.api.submit_errors.append((429, {"error": {"code": code, "message": "limit reached"}}))
    job_id = await world.request()
    await world.run(1, advance=1)
    await world.run(1, advance=1)
    assert await world.state(job_id) is JobState.QUEUED and len(world.api.submits) == 1  # paused, not retried
    await world.run(1, advance=61)
    await world.run(1, advance=61)
    await world.run(3)
    assert world.modlog.events.count((10, "provider_balance")) == 1
    assert await world.state(job_id) is JobState.DELIVERED


async def _polls_and_writes(world: World, seconds: float, step: float) -> tuple[int, int]:
    """Run the runner for ``seconds`` of clock in ``step``s; return the provider's polls and the store's
    transitions in that time."""
    writes = 0
    apply = world.store.apply_transition

    async def counted(*args: object, **kwargs: object) -> object:
        nonlocal writes
        writes += 1
        return await apply(*args, **kwargs)  # type: ignore[arg-type]

    world.store.apply_transition = counted  # type: ignore[method-assign]
    try:
        for _ in range(int(seconds / step)):
            await world.runner.run_once()
            world.clock.now += step
    finally:
        del world.store.apply_transition
    return sum(t.polls for t in world.api.tasks.values()), writes


async def test_a_poll_that_finds_the_job_unfinished_writes_nothing_while_the_next_poll_is_kept_in_memory(
    world: World,
) -> None:
    """The store sees a write per horizon (poll_max_s), not per poll. Failed before: one write per poll."""
    world.api.duration = 3600
    job_id = await world.request()
    await world.run(1, advance=0)
    assert await world.state(job_id) is JobState.SUBMITTED
    world.clock.now += 80  # into the schedule's dense part (a 90-s prior): polls every 0.7 × poll_min_s
    polls, writes = await _polls_and_writes(world, seconds=30, step=0.25)
    assert polls >= 20  # the schedule still polls on time
    assert writes <= polls // 4  # one write per horizon (poll_max_s past the next poll), and to processing
    job = await world.store.get_job(job_id)
    assert job is not None and job.state is JobState.PROCESSING
    assert job.next_poll_at is not None and job.next_poll_at > world.clock.now  # the horizon covers the next poll


async def test_a_restarted_process_polls_its_jobs_at_once_not_at_their_stored_horizon(world: World) -> None:
    """The poll times lived in the stopped process's memory: its successor must not wait for the row's
    horizon. Failed without the take-over pulling next_poll_at to now: no poll for up to poll_max_s; and,
    with a database clock an hour ahead of the runner's, failed while the take-over wrote the database's time."""
    world.clock.now = time.time() - 3600
    world.api.duration = 3600
    job_id = await world.request()
    await world.run(1, advance=0)
    world.clock.now += 80
    await _polls_and_writes(world, seconds=3, step=0.5)
    job = await world.store.get_job(job_id)
    assert job is not None and job.next_poll_at is not None and job.next_poll_at > world.clock.now + 1
    polls_before = sum(t.polls for t in world.api.tasks.values())
    restarted = world.runner_with(database_clock=True)  # the same name: the process restarted (it died)
    await restarted.run_once()
    assert sum(t.polls for t in world.api.tasks.values()) == polls_before + 1
    taken = await world.store.get_job(job_id)
    assert taken is not None and taken.lease_owner == restarted.worker_id


async def _tick_without_beating(runner: Runner) -> None:
    await runner._tick()
    await asyncio.gather(*runner._busy.values(), return_exceptions=True)


async def _a_job_taken_from_a_stalled_runner(world: World) -> Runner:
    """A runner polling a job from memory (a 30-s horizon) whose job another process took over while it
    stalled; return the stalled runner."""
    world.api.duration = 3600
    runner = world.runner_with(poll_max_s=30)
    job_id = await world.request()
    await runner.run_once()
    world.clock.now += 80
    for _ in range(6):
        world.clock.now += 0.5
        await runner.run_once()
    other = world.another_runner(lease_s=2)  # a short lease: ours lapses long before our horizon
    world.clock.now += 2.5  # our heartbeat stopped (a stalled process): the other takes the job over
    await other.run_once()
    assert (await world.store.get_job(job_id)).lease_owner == other.worker_id  # type: ignore[union-attr]
    return runner


async def test_a_worker_whose_heartbeat_lapsed_learns_at_its_next_poll_that_its_job_was_taken(world: World) -> None:
    """While its leases may have lapsed, a poll writes (fenced), so the old holder stops at once. Failed
    before: it went on asking the provider, from memory, until its horizon (about 30 s of polls)."""
    runner = await _a_job_taken_from_a_stalled_runner(world)
    runner.heartbeat._trusted_until = 1.0  # what the stalled heartbeat's own clock says by now
    before = sum(t.polls for t in world.api.tasks.values())
    for _ in range(20):
        world.clock.now += 0.5
        await _tick_without_beating(runner)
    assert sum(t.polls for t in world.api.tasks.values()) - before <= 1


async def test_a_worker_whose_heartbeat_came_back_after_a_lapse_checks_its_kept_jobs(world: World) -> None:
    """A beat that succeeds after the leases may have lapsed does not make the polls kept in memory
    trustworthy again: the next one writes (fenced) and finds the job taken. Failed with only the "trusted
    now?" check: it went on asking the provider, from memory, until its horizon."""
    runner = await _a_job_taken_from_a_stalled_runner(world)
    runner.heartbeat._trusted_until = 1.0  # the stall outlasted our margin ...
    await runner._beat()  # ... and then our heartbeat came back
    assert runner.heartbeat.trusted()
    before = sum(t.polls for t in world.api.tasks.values())
    for _ in range(20):
        world.clock.now += 0.5
        await runner.run_once()
    assert sum(t.polls for t in world.api.tasks.values()) - before <= 1


async def test_a_poll_that_fails_unexpectedly_is_tried_again_after_the_error_backoff(world: World) -> None:
    """Its next poll lived only in memory. Failed before: the job waited for the row's horizon (30 s here)."""
    world.api.duration = 3600
    runner = world.runner_with(poll_max_s=30, error_backoff_s=0.5)
    await world.request()
    await runner.run_once()
    world.clock.now += 80
    for _ in range(4):
        world.clock.now += 0.5
        await runner.run_once()
    fetch = world._client.fetch

    async def broken(task_id: str) -> object:
        world._client.fetch = fetch  # type: ignore[method-assign]
        raise RuntimeError("a bug, or the event loop's bad day")

    world._client.fetch = broken  # type: ignore[method-assign]
    for _ in range(4):  # the failing poll comes due, and fails
        world.clock.now += 0.5
        await runner.run_once()
    assert world._client.fetch is fetch
    before = sum(t.polls for t in world.api.tasks.values())
    world.clock.now += 1.0
    await runner.run_once()
    assert sum(t.polls for t in world.api.tasks.values()) == before + 1
