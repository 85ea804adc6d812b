"""Random interleavings of everything that moves a job, checked against the money invariants after each step.

Admit, send (with every provider answer, including "the request landed but its answer was lost"), poll,
cancel, approve, reject, approval expiry, forget-me and a process takeover, in seeded random orders on both
engines. After every step:
- each job's ledger holds exactly its price while its charge is reserved, and nothing otherwise;
- every task the stand-in provider created (and would bill) belongs to a job whose price is reserved, so the
  server's spend is never below what the provider charged;
- each request_id was made into a task at most once;
- the server's spend never exceeds its budget.
At the end, with the provider healthy, every job ends in a video or a reason the member was shown.
"""

from __future__ import annotations

import contextlib
import random
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from bot.errors import UserFacingError
from bot.models import Charge, GuildPolicy, JobState
from bot.store.sql import SqlStore
from tests.standins.fake_video import FakeVideoAPI
from tests.unit.test_runner import World

GUILD, PRICE, BUDGET = 10, 100_000, 1_500_000
FAULTS = [
    ("lost", 502),  # created, answer lost
    ("lost", 504),
    (500, {"error": {"code": "500", "message": "internal"}}),  # nothing created, outcome unknown to us
    ("html", 502),
    (429, {"error": {"code": "1302", "message": "concurrency"}}),
    (429, {"error": {"code": "1113", "message": "Insufficient balance"}}),
]


@pytest.fixture
async def world(store: SqlStore, tmp_path: Path) -> AsyncIterator[World]:
    api = FakeVideoAPI(duration=0.0)
    await api.start()
    async with aiohttp.ClientSession() as session:
        w = World(store, api, session, tmp_path)
        w.jobs._spending = type(w.jobs._spending)(price=PRICE, daily_budget=BUDGET, hourly_limit=100)
        w.runner._deliverer._policy = w.jobs._spending
        yield w
    await api.stop()


async def check_invariants(world: World, step: str) -> None:
    db = world.store._db
    rows = await db.fetch("SELECT id, charge, price, state FROM jobs")
    money = {
        r["job_id"]: int(r["s"])
        for r in await db.fetch("SELECT job_id, SUM(amount) AS s FROM ledger WHERE job_id IS NOT NULL GROUP BY job_id")
    }
    for r in rows:
        held = money.get(r["id"], 0)
        expected = r["price"] if r["charge"] == Charge.RESERVED.value else 0
        assert held == expected, f"{step}: job {r['id']} ({r['state']}, {r['charge']}) holds {held} in the ledger"
        assert not (r["state"] == "submitting" and r["charge"] == "released"), step
    request_ids = [t.request_id for t in world.api.tasks.values()]
    assert len(request_ids) == len(set(request_ids)), f"{step}: a request was made into two tasks"
    for rid in request_ids:
        job_id = rid.removeprefix("reelbot-")
        job = await world.store.get_job(job_id)
        assert money.get(job_id, 0) == PRICE, (
            f"{step}: the provider bills {rid} but the budget does not count it: {job}"
        )
    spent = sum(money.values())
    assert spent >= len(request_ids) * PRICE and spent <= BUDGET + PRICE * 0, step


async def play(world: World, seed: int, steps: int) -> None:
    rng = random.Random(seed)
    users = [1, 2, 3]
    if rng.random() < 0.4:
        await world.store.save_policy(
            GUILD, GuildPolicy(approval=True, approval_expire_h=0.1, member_pending=5), by=1, at=world.clock.now
        )
    for i in range(steps):
        action = rng.choice(
            ["request", "request", "tick", "tick", "fault", "fault", "cancel", "cancel", "decide", "forget", "takeover"]
        )
        ids = [r["id"] for r in await world.store._db.fetch("SELECT id FROM jobs WHERE delivered_at IS NULL")]
        if action == "request":
            prompt = rng.choice(["a fox", "a scene [fail]", "a thing [reject]", "a boat"])
            with contextlib.suppress(UserFacingError):  # a budget or a limit: refused, nothing reserved
                await world.request(f"{prompt} {i}", user_id=rng.choice(users))
        elif action == "tick":
            await world.run(rng.randint(1, 2), advance=rng.choice([0.5, 5, 30, 90, 400]))
        elif action == "fault":
            world.api.submit_errors.append(rng.choice(FAULTS))
        elif action == "cancel" and ids:
            with contextlib.suppress(LookupError):
                await world.jobs.cancel(rng.choice(ids), by=1)
        elif action == "decide" and ids:
            decide = world.jobs.approve if rng.random() < 0.7 else world.jobs.reject
            with contextlib.suppress(LookupError, UserFacingError):
                await decide(rng.choice(ids), by=99)
        elif action == "forget":
            await world.jobs.forget_member(rng.choice(users))
        elif action == "takeover":  # this process dies; another takes its jobs over once its heartbeat is stale
            world.clock.now += 31
            world.runner = world.another_runner()
            world.runner._deliverer._policy = world.jobs._spending
        await check_invariants(world, f"seed {seed} step {i} {action}")
    world.api.submit_errors.clear()
    for _ in range(40):
        await world.run(1, advance=60)
        left = await world.store._db.fetch("SELECT id FROM jobs WHERE delivered_at IS NULL")
        if not left:
            break
    await check_invariants(world, f"seed {seed} end")
    left = await world.store._db.fetch("SELECT id, state FROM jobs WHERE delivered_at IS NULL")
    assert left == [], f"seed {seed}: jobs never ended: {[(r['id'], r['state']) for r in left]}"


@pytest.mark.parametrize("seed", range(12))
async def test_random_interleavings_keep_the_money_exact(world: World, seed: int, store: SqlStore) -> None:
    await play(world, seed, steps=40 if store.dialect == "sqlite" else 25)


async def test_an_unresolved_submit_is_never_refunded_whatever_happens(world: World) -> None:
    """The worst case on purpose: every answer lost, the member cancels, the queue deadline passes."""
    for _ in range(3):
        world.api.submit_errors.append(("lost", 504))
    job_id = await world.request()
    await world.run(1, advance=1)
    await world.jobs.cancel(job_id, by=1)
    world.clock.now += 700
    await world.run(5, advance=30)
    await check_invariants(world, "worst case")
    job = await world.store.get_job(job_id)
    assert job is not None and job.state is JobState.DELIVERED and job.charge is Charge.RESERVED
