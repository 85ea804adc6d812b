"""Budgets and limits: exact under concurrency, released once, reset at the right time."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.errors import BudgetExhausted, MemberLimitReached
from bot.jobs.service import Cancel, JobRequest, JobService
from bot.models import Charge, Delivery, GuildPolicy, VideoOptions
from bot.spending.budget import SpendingPolicy, utc_day
from bot.store.sql import SqlStore
from bot.store.sqlite import open_sqlite

NOON = datetime(2026, 11, 24, 12, 0, tzinfo=UTC).timestamp()


class Clock:
    def __init__(self, now: float = NOON) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def request(user_id: int = 1, guild_id: int = 10, prompt: str = "a fox") -> JobRequest:
    return JobRequest(
        user_id=user_id,
        kind="text",
        prompt=prompt,
        options=VideoOptions(model="cogvideox-2"),
        delivery=Delivery(guild_id=guild_id, channel_id=2, message_id=3, application_id=4),
    )


def service(store: SqlStore, *, budget: int = 300_000, hourly: int = 100, clock: Clock | None = None) -> JobService:
    policy = SpendingPolicy(price=100_000, daily_budget=budget, hourly_limit=hourly)
    return JobService(store, policy, deadline_s=600, clock=clock or Clock())


async def test_twenty_racing_requests_against_a_budget_for_three_give_exactly_three(store: SqlStore) -> None:
    jobs = service(store)
    results = await asyncio.gather(*(jobs.request(request(user_id=i)) for i in range(20)), return_exceptions=True)
    accepted = [r for r in results if not isinstance(r, BaseException)]
    refused = [r for r in results if isinstance(r, BudgetExhausted)]
    assert len(accepted) == 3 and len(refused) == 17
    assert await store.spent(10, "2026-11-24") == 300_000


async def test_two_processes_on_one_file_cannot_overspend(tmp_path: Path) -> None:
    # Two connections stand for two processes sharing the SQLite file; BEGIN IMMEDIATE serialises them.
    a = await open_sqlite(tmp_path / "shared.sqlite3")
    b = await open_sqlite(tmp_path / "shared.sqlite3")
    try:
        ja, jb = service(a), service(b)
        results = await asyncio.gather(
            *(s.request(request(user_id=i)) for i in range(10) for s in (ja, jb)), return_exceptions=True
        )
        assert sum(not isinstance(r, BaseException) for r in results) == 3
    finally:
        await a.close()
        await b.close()


async def test_refusal_names_the_budget_and_when_it_resets(store: SqlStore) -> None:
    jobs = service(store, budget=100_000)
    await jobs.request(request())
    with pytest.raises(BudgetExhausted) as info:
        await jobs.request(request(user_id=2))
    err = info.value
    assert (err.cap, err.spent, err.price) == (100_000, 100_000, 100_000)
    assert err.resets_at == datetime(2026, 11, 25, tzinfo=UTC).timestamp()


async def test_budget_is_per_server_and_per_utc_day(store: SqlStore) -> None:
    clock = Clock()
    jobs = service(store, budget=100_000, clock=clock)
    await jobs.request(request(guild_id=10))
    await jobs.request(request(guild_id=11))  # another server has its own budget
    clock.now += 12 * 3600  # next UTC day
    await jobs.request(request(guild_id=10, user_id=5))


async def test_hourly_limit_is_per_member_and_rolls(store: SqlStore) -> None:
    clock = Clock()
    jobs = service(store, budget=10_000_000, hourly=2, clock=clock)
    await jobs.request(request(user_id=1))
    clock.now += 600
    await jobs.request(request(user_id=1))
    with pytest.raises(MemberLimitReached) as info:
        await jobs.request(request(user_id=1))
    assert info.value.resets_at == NOON + 3600
    await jobs.request(request(user_id=2))
    clock.now = NOON + 3601
    await jobs.request(request(user_id=1))


async def test_released_jobs_give_the_money_back_once(store: SqlStore) -> None:
    jobs = service(store, budget=100_000)
    job = await jobs.request(request())
    first, released = await jobs.cancel(job.id, by=1)
    second, _ = await jobs.cancel(job.id, by=1)
    assert (first, second) == (Cancel.CANCELLED, Cancel.FINISHED)
    assert released.charge is Charge.RELEASED
    assert await store.spent(10, "2026-11-24") == 0
    await jobs.request(request(user_id=2))  # the budget is free again


async def test_a_moderator_budget_overrides_the_default(store: SqlStore) -> None:
    jobs = service(store, budget=100_000)
    assert await jobs.set_daily_budget(10, 500_000, by=99) == 500_000
    for user in range(5):
        await jobs.request(request(user_id=user))
    assert await jobs.set_daily_budget(10, None, by=99) == 100_000


def test_utc_day_boundaries() -> None:
    assert utc_day(NOON) == ("2026-11-24", datetime(2026, 11, 25, tzinfo=UTC).timestamp())
    assert utc_day(datetime(2026, 11, 24, 23, 59, 59, tzinfo=UTC).timestamp())[0] == "2026-11-24"


def test_thresholds_crossed() -> None:
    from bot.spending.budget import crossed

    assert crossed(1_000_000, 0, 500_000) == [50]
    assert crossed(1_000_000, 500_000, 1_000_000) == [80, 100]
    assert crossed(1_000_000, 850_000, 900_000) == []
    assert crossed(0, 0, 10) == []


async def test_monthly_cap_topups_prices_and_in_flight_limits(store: SqlStore) -> None:
    from bot.errors import InFlightLimit
    from bot.models import GuildPolicy

    jobs = service(store, budget=10_000_000)
    await store.save_policy(10, GuildPolicy(monthly_budget=200_000, prices={"cogvideox-2": 150_000}), by=1, at=NOON)
    first = await jobs.request(request(user_id=1))
    assert first.price == 150_000
    with pytest.raises(BudgetExhausted) as info:
        await jobs.request(request(user_id=2))
    assert info.value.period == "month"

    await store.save_policy(
        11,
        GuildPolicy(daily_budget=100_000, topup_day="2026-11-24", topup_amount=100_000, member_in_flight=1),
        by=1,
        at=NOON,
    )
    await jobs.request(request(user_id=1, guild_id=11))
    with pytest.raises(InFlightLimit):
        await jobs.request(request(user_id=1, guild_id=11))  # the first is still queued
    await jobs.request(request(user_id=2, guild_id=11))  # the top-up makes room for a second video today
    with pytest.raises(BudgetExhausted):
        await jobs.request(request(user_id=3, guild_id=11))


async def test_member_daily_limit_and_exempt_roles(store: SqlStore) -> None:
    from bot.errors import MemberLimitReached
    from bot.models import GuildPolicy

    clock = Clock()
    jobs = service(store, budget=10_000_000, hourly=100, clock=clock)
    await store.save_policy(10, GuildPolicy(member_daily=1, exempt_roles=(7,)), by=1, at=NOON)
    await jobs.request(request(user_id=1))
    with pytest.raises(MemberLimitReached) as info:
        await jobs.request(request(user_id=1))
    assert info.value.period == "day"
    exempt = JobRequest(
        user_id=1,
        kind="text",
        prompt="x",
        options=VideoOptions(model="cogvideox-2"),
        delivery=Delivery(guild_id=10, channel_id=2, message_id=3, application_id=4),
        role_ids=frozenset({7}),
    )
    await jobs.request(exempt)


def test_the_budget_day_follows_the_servers_time_zone() -> None:
    """A server's day starts at its own midnight: an offset or an IANA zone (with daylight saving)."""
    from bot.spending.budget import budget_day, budget_month, zone

    late = datetime(2026, 11, 24, 17, 0, tzinfo=UTC).timestamp()  # 01:00 on the 25th in Shanghai
    assert budget_day(late, "UTC") == ("2026-11-24", datetime(2026, 11, 25, tzinfo=UTC).timestamp())
    assert budget_day(late, "+08:00") == ("2026-11-25", datetime(2026, 11, 25, 16, tzinfo=UTC).timestamp())
    assert budget_day(late, "Asia/Shanghai") == budget_day(late, "UTC+8")
    month_end = datetime(2026, 11, 30, 16, tzinfo=UTC).timestamp()
    assert budget_month(datetime(2026, 11, 30, 15, tzinfo=UTC).timestamp(), "Asia/Shanghai") == ("2026-11", month_end)
    # New York leaves daylight saving on 1 November 2026: that day has 25 hours, and ends at 05:00 UTC.
    day, end = budget_day(datetime(2026, 11, 1, 12, tzinfo=UTC).timestamp(), "America/New_York")
    assert day == "2026-11-01" and end == datetime(2026, 11, 2, 5, tzinfo=UTC).timestamp()
    for bad in ("Mars/Olympus", "+15:00", "UTC+8:75"):
        with pytest.raises(ValueError):
            zone(bad)


async def test_two_videos_an_hour_apart_count_against_the_servers_own_days(store: SqlStore) -> None:
    """With a budget for one video a day, 23:30 and 00:30 in Shanghai are two days there (one day in UTC)."""
    clock = Clock(datetime(2026, 11, 24, 15, 30, tzinfo=UTC).timestamp())  # 23:30 in Shanghai
    jobs = service(store, budget=100_000, clock=clock)
    await store.save_policy(10, GuildPolicy(timezone="Asia/Shanghai"), by=1, at=clock.now)
    await jobs.request(request(user_id=1))
    clock.now += 3600  # 00:30 the next day in Shanghai; still the 24th in UTC
    await jobs.request(request(user_id=2))
    assert await store.spent(10, "2026-11-24") == 100_000 and await store.spent(10, "2026-11-25") == 100_000
    quota = await jobs.quota(10, 3)
    assert quota.guild_resets_at == datetime(2026, 11, 25, 16, tzinfo=UTC).timestamp()

    other = service(store, budget=100_000, clock=Clock(clock.now))
    await store.save_policy(20, GuildPolicy(), by=1, at=clock.now)  # UTC: both would fall on the 24th
    late = request(user_id=4, guild_id=20)
    await other.request(late)
    with pytest.raises(BudgetExhausted):
        await other.request(request(user_id=5, guild_id=20))


async def test_pending_requests_are_listed_oldest_first_with_the_total(store: SqlStore) -> None:
    """/reelbot-mod pending reads the server's requests awaiting approval (and only those)."""
    clock = Clock()
    jobs = service(store, clock=clock)
    await store.save_policy(10, GuildPolicy(approval=True), by=1, at=clock.now)
    first = await jobs.request(request(user_id=1, prompt="first"))
    clock.now += 1
    second = await jobs.request(request(user_id=2, prompt="second"))
    await store.save_policy(20, GuildPolicy(), by=1, at=clock.now)
    await jobs.request(request(user_id=3, guild_id=20))  # another server, and queued, not pending
    listed, total = await store.pending_jobs(10, limit=1)
    assert [j.id for j in listed] == [first.id] and total == 2
    listed, total = await store.pending_jobs(10)
    assert [j.id for j in listed] == [first.id, second.id] and total == 2
