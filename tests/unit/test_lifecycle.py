"""The lifecycle under races: each numbered failure of the lifecycle issue as a deterministic test.

Every test here failed on the code before bot/jobs/lifecycle.py (whole-row saves, money moved in several
places, leases renewed between iterations); each docstring says how. They run on SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.errors import InFlightLimit, MemberLimitReached
from bot.jobs.lifecycle import EDGES, InvalidTransition, transition
from bot.jobs.service import Cancel
from bot.models import Charge, GuildPolicy, JobState, Lease
from bot.store.sql import SqlStore
from tests.standins.fake_video import FakeVideoAPI
from tests.unit.test_runner import World

GUILD = 10


@pytest.fixture
async def world(store: SqlStore, tmp_path: Path) -> AsyncIterator[World]:
    api = FakeVideoAPI(duration=0.0)
    await api.start()
    async with aiohttp.ClientSession() as session:
        yield World(store, api, session, tmp_path)
    await api.stop()


async def ledger(store: SqlStore, job_id: str) -> list[tuple[str, int]]:
    rows = await store._db.fetch("SELECT kind, amount FROM ledger WHERE job_id=? ORDER BY id", job_id)
    return [(r["kind"], int(r["amount"])) for r in rows]


async def billed(world: World) -> int:
    """What the stand-in provider would bill: one price per task it created."""
    return len(world.api.tasks) * 100_000


# -- 1. A Cancel (or the queue deadline) during a submit whose answer was lost --------------------------------


async def test_cancel_after_a_lost_submit_answer_keeps_the_price_and_delivers_the_paid_video(world: World) -> None:
    """#1. The submit landed but its answer was lost; the member presses Cancel.

    Before: the job went back to QUEUED, Cancel released the price and said "nothing was charged" while the
    provider billed the task. Now: the job is SUBMITTING, Cancel only records the wish, the task is adopted
    and delivered, and the budget counts what the provider bills."""
    world.api.submit_errors.append(("hang", 1.0))
    job_id = await world.request()
    await world.run(1, advance=1)
    await asyncio.sleep(0.6)  # the provider finishes creating the task whose answer we lost
    result, job = await world.jobs.cancel(job_id, by=1)
    assert result is Cancel.SENT and job.state is JobState.SUBMITTING and job.charge is Charge.RESERVED
    await world.run(4, advance=30)
    job = await world.store.get_job(job_id)
    assert job is not None and job.state is JobState.DELIVERED and job.charge is Charge.RESERVED
    assert await world.store.spent(GUILD, "2027-01-15") == await billed(world) == 100_000
    assert world.api.submitted_request_ids() == [f"reelbot-{job_id}"]  # looked up, never sent again


async def test_cancel_after_a_submit_that_never_landed_releases_without_sending_again(world: World) -> None:
    """#1, the other half: the provider never took it (a 500 that created nothing); after Cancel the look-up
    by request_id finds no task, so the price is released and the request is not sent again."""
    world.api.submit_errors.append((500, {"error": {"code": "500", "message": "internal"}}))
    job_id = await world.request()
    await world.run(1, advance=1)
    result, _ = await world.jobs.cancel(job_id, by=1)
    assert result is Cancel.SENT
    await world.run(3, advance=30)
    job = await world.store.get_job(job_id)
    assert job is not None and job.state is JobState.FAILED and job.error_code == "cancelled"
    assert job.charge is Charge.RELEASED and job.delivered_at is not None
    assert len(world.api.submits) == 1 and world.api.tasks == {}
    assert await ledger(world.store, job_id) == [("reserve", 100_000), ("release", -100_000)]


async def test_the_queue_deadline_never_releases_a_job_whose_submit_may_have_landed(world: World) -> None:
    """#1. The queue deadline passes while a lost submit answer is unresolved.

    Before: the job was QUEUED again, expired as "queue_timeout" and released while the provider billed it."""
    world.api.submit_errors.append(("hang", 1.0))
    job_id = await world.request()
    await world.run(1, advance=1)
    await asyncio.sleep(0.6)  # the provider finishes creating the task whose answer we lost
    world.clock.now += 700  # past the 600 s deadline
    await world.run(4, advance=30)
    job = await world.store.get_job(job_id)
    assert job is not None and job.state is JobState.DELIVERED and job.charge is Charge.RESERVED
    assert await world.store.spent(GUILD, "2027-01-15") == await billed(world)


async def test_the_store_refuses_to_release_a_job_being_submitted(store: SqlStore) -> None:
    """The engine itself forbids a refund from SUBMITTING (a CHECK on PostgreSQL, a trigger on SQLite)."""
    world_job = await _queued_job(store)
    await store._db.execute("UPDATE jobs SET state='submitting' WHERE id=?", world_job)
    with pytest.raises(Exception, match="submitting_keeps_money"):
        await store._db.execute("UPDATE jobs SET charge='released' WHERE id=?", world_job)


# -- 2 and 3. Leases: fenced by epoch, held by a heartbeat, claimed atomically ----------------------------------


async def test_a_claim_leaves_out_the_jobs_whose_step_is_under_way(world: World) -> None:
    """A tick does not read again the jobs it is already working on (in a burst, most of the due ones), yet
    holds them: the one left out is still this worker's, under the same lease."""
    first, second = await world.request(), await world.request()
    await world.runner._register()
    worker = world.runner.worker_id
    got = await world.store.claim(worker, stale_s=30, now=world.clock.now, due_at=world.clock.now, skip={first})
    assert [j.id for j in got] == [second]
    both = await world.store.claim(worker, stale_s=30, now=world.clock.now, due_at=world.clock.now)
    assert {j.id for j in both} == {first, second} and {j.lease_owner for j in both} == {worker}


async def test_a_process_whose_job_was_taken_over_cannot_write_it(world: World) -> None:
    """#2. A's jobs were taken over (A stalled past the lease); A wakes and tries to record its submit.

    Before: A's whole-row save overwrote B's row. Now: A's write carries the old fencing token and changes
    nothing."""
    job_id = await world.request()
    a, b = world.runner, world.another_runner()
    await a._register()
    [held] = await world.store.claim(a.worker_id, stale_s=30, now=world.clock.now)
    world.clock.now += 31  # A's heartbeat is stale
    await b._register()
    [taken] = await world.store.claim(b.worker_id, stale_s=30, now=world.clock.now)
    assert taken.lease == Lease(b.worker_id, held.lease_epoch + 1)
    late = await transition(
        world.store, job_id, guild_id=GUILD, expect=JobState.QUEUED, event="send", lease=held.lease, now=world.clock.now
    )
    assert not late.applied and late.job is not None and late.job.state is JobState.QUEUED
    assert late.job.lease_owner == b.worker_id


async def test_a_live_process_keeps_its_jobs_however_long_its_work_takes(world: World) -> None:
    """#2. A's slow work (a hung POST, a slow upload) outlasts LEASE_SECONDS, but its heartbeat goes on.

    Before: leases were renewed only between iterations, so B took the job over and sent it a second time."""
    world.api.submit_errors.append(("hang", 1.0))
    job_id = await world.request()
    a, b = world.runner, world.another_runner()
    await a.run_once()  # sent; the answer is lost: SUBMITTING, held by A
    for _ in range(4):
        world.clock.now += 20
        await a._beat()  # A's heartbeat task, which never waits on work
        await b.run_once()
    assert world.api.submitted_request_ids() == [f"reelbot-{job_id}"]
    job = await world.store.get_job(job_id)
    assert job is not None and job.lease_owner == a.worker_id


async def test_a_restarted_process_takes_its_own_jobs_back_at_once(world: World) -> None:
    """A process restarted under the same name does not wait LEASE_SECONDS for its previous self's jobs."""
    job_id = await world.request()
    await world.runner._register()
    await world.store.claim(world.runner.worker_id, stale_s=30, now=world.clock.now)
    again = world.another_runner()
    again.heartbeat.name = world.runner.heartbeat.name  # same host, same shards
    await again.run_once()
    job = await world.store.get_job(job_id)
    assert job is not None and job.lease_owner == again.worker_id and job.state is not JobState.QUEUED


async def test_two_claims_never_take_the_same_job(store: SqlStore) -> None:
    """#3. Claims by two workers at once: every job is taken by exactly one of them, with one epoch bump.

    Before, on PostgreSQL: the claiming UPDATE filtered on ids only, so a late UPDATE re-took rows."""

    ids = [await _queued_job(store, user_id=i) for i in range(30)]
    for w in ("a", "b"):
        await store.register_worker(w, f"host:{w}", now=1000.0)
    got_a, got_b = await asyncio.gather(
        store.claim("a", stale_s=30, now=1000.0), store.claim("b", stale_s=30, now=1000.0)
    )
    assert sorted(j.id for j in got_a + got_b) == sorted(ids)
    assert {j.lease_epoch for j in got_a + got_b} == {1}


# -- 4 and 5. Cancel, expiry, approve and reject on the same job ------------------------------------------------


async def test_cancel_and_the_queue_timeout_release_once(world: World) -> None:
    """#4. The runner read the job as QUEUED; the member's Cancel lands; then the runner's expiry applies.

    Before: two release rows for one reservation (the budget went below what was spent)."""
    job_id = await world.request()
    await world.runner._register()
    [stale] = await world.store.claim(world.runner.worker_id, stale_s=30, now=world.clock.now)
    result, _ = await world.jobs.cancel(job_id, by=1)
    assert result is Cancel.CANCELLED
    expired = await transition(
        world.store, job_id, guild_id=GUILD, expect=stale.state, event="expire", lease=stale.lease, now=world.clock.now
    )
    assert not expired.applied and expired.job is not None and expired.job.error_code == "cancelled"
    assert await ledger(world.store, job_id) == [("reserve", 100_000), ("release", -100_000)]


async def test_cancel_racing_approve_never_leaves_a_cancelled_job_charged(world: World) -> None:
    """#4. Approve read the job as pending; the member cancelled; then approve's write lands.

    Before: the cancelled job was re-queued and charged."""
    await world.store.save_policy(GUILD, GuildPolicy(approval=True), by=1, at=world.clock.now)
    job_id = await world.request()
    assert (await world.jobs.cancel(job_id, by=1))[0] is Cancel.CANCELLED
    with pytest.raises(LookupError):
        await world.jobs.approve(job_id, by=99)
    job = await world.store.get_job(job_id)
    assert job is not None and job.state is JobState.FAILED and job.charge is Charge.NONE
    assert await ledger(world.store, job_id) == []


async def test_a_late_reject_or_expiry_never_overwrites_an_approval(world: World) -> None:
    """#5. A moderator approves while another's Reject (or the approval expiry) is between its read and write.

    Before: the job ended "rejected, charge none" while the ledger kept the reservation."""
    await world.store.save_policy(GUILD, GuildPolicy(approval=True), by=1, at=world.clock.now)
    job_id = await world.request()
    pending = await world.store.get_job(job_id)
    assert pending is not None
    await world.jobs.approve(job_id, by=99)
    for event in ("reject", "expire"):
        late = await transition(
            world.store, job_id, guild_id=GUILD, expect=pending.state, event=event, now=world.clock.now
        )
        assert not late.applied
    with pytest.raises(LookupError):
        await world.jobs.reject(job_id, by=98)
    job = await world.store.get_job(job_id)
    assert job is not None and job.state is JobState.QUEUED and job.charge is Charge.RESERVED
    assert await ledger(world.store, job_id) == [("reserve", 100_000)]


# -- 6 and 7. Limits for approved jobs, pending caps, forget-me --------------------------------------------------


async def test_approved_jobs_obey_the_members_limits(world: World) -> None:
    """#6. Before: approval reserved with every member limit skipped, so a member could have any number made."""
    await world.store.save_policy(GUILD, GuildPolicy(approval=True, member_hourly=1), by=1, at=world.clock.now)
    first, second = await world.request("one"), await world.request("two")
    await world.jobs.approve(first, by=99)
    with pytest.raises(MemberLimitReached):
        await world.jobs.approve(second, by=99)
    job = await world.store.get_job(second)
    assert job is not None and job.state is JobState.AWAITING_APPROVAL and job.charge is Charge.NONE


async def test_pending_requests_per_member_are_capped(world: World) -> None:
    """#6. Before: any number of requests could wait for approval."""
    await world.store.save_policy(GUILD, GuildPolicy(approval=True, member_pending=2), by=1, at=world.clock.now)
    await world.request("one")
    await world.request("two")
    with pytest.raises(InFlightLimit) as refused:
        await world.request("three")
    assert refused.value.scope == "pending" and refused.value.limit == 2


async def test_forget_me_cancels_unsent_jobs_instead_of_sending_a_blank_prompt(world: World) -> None:
    """#7. Before: forget-me blanked a queued job's prompt, which was then sent (and charged) as "…"."""
    job_id = await world.request("my secret idea")
    await world.jobs.forget_member(1)
    await world.run(2)
    job = await world.store.get_job(job_id)
    assert world.api.submits == []
    assert job is not None and job.state is JobState.FAILED and job.charge is Charge.RELEASED
    assert await world.store.spent(GUILD, "2027-01-15") == 0
    assert await world.jobs.forget_member(1) == 1  # once its reply showed the end, a later call deletes it


# -- 8. A failed look-up after 1231 -------------------------------------------------------------------------------


async def test_a_failed_look_up_after_1231_is_retried_not_final(world: World) -> None:
    """#8. The first submit landed (answer lost); the resend gets 1231; the look-up then times out.

    Before: the billed task ended at once as "couldn't confirm". Now: it stays SUBMITTING and is adopted."""
    world.api.submit_errors.append(("hang", 1.0))
    job_id = await world.request()
    await world.run(1, advance=30)
    await asyncio.sleep(0.6)  # the provider finishes creating the task whose answer we lost
    world.api.result_hangs = 4  # every bounded retry of the look-up times out
    await world.run(1, advance=30)
    job = await world.store.get_job(job_id)
    assert job is not None and job.state is JobState.SUBMITTING
    await world.run(4, advance=30)
    assert await world.state(job_id) is JobState.DELIVERED
    assert len(world.api.tasks) == 1


# -- 9. Policy changes -------------------------------------------------------------------------------------------


async def test_two_top_ups_at_once_both_count(world: World) -> None:
    """#9. Two moderators (two processes, each with a cached policy) top up today's budget at once.

    Before: both computed from the cached policy and the last write won: one top-up was lost."""
    other = type(world.jobs)(world.store, world._policy, deadline_s=600, clock=world.clock)
    for service in (world.jobs, other):
        await service.policy(GUILD)  # both caches warm

    def add(amount: int) -> Any:
        def change(current: GuildPolicy) -> dict[str, Any]:
            already = current.topup_amount if current.topup_day == "2027-01-15" else 0
            return {"topup_day": "2027-01-15", "topup_amount": already + amount}

        return change

    await world.jobs.update_policy(GUILD, by=1, what="top-up", change=add(500_000))
    await other.update_policy(GUILD, by=2, what="top-up", change=add(500_000))
    assert (await world.store.get_policy(GUILD)).topup_amount == 1_000_000


# -- Failed generations, alerts, the table itself -----------------------------------------------------------------


async def test_a_failed_generation_does_not_count_against_the_member(world: World) -> None:
    """The server keeps the price of a generation the provider failed (by default), but the member's own
    hourly limit does not count it. Before: it used up one of the member's generations."""
    await world.store.save_policy(GUILD, GuildPolicy(member_hourly=1), by=1, at=world.clock.now)
    failed = await world.request("a scene [fail]")
    await world.run(3)
    job = await world.store.get_job(failed)
    assert job is not None and job.state is JobState.FAILED and job.charge is Charge.RESERVED
    await world.request("another try")  # not refused


async def test_operators_can_release_the_price_of_failed_generations(world: World) -> None:
    """FAILED_GENERATIONS_CHARGED=false: a relay that does not bill failures gives the price back."""
    world.runner = world.another_runner(failed_keeps_price=False)
    job_id = await world.request("a scene [fail]")
    await world.run(3)
    job = await world.store.get_job(job_id)
    assert job is not None and job.state is JobState.FAILED and job.charge is Charge.RELEASED
    assert await world.store.spent(GUILD, "2027-01-15") == 0


async def test_budget_alerts_are_not_skipped_when_requests_are_admitted_together(world: World) -> None:
    """Two jobs admitted at once moved spend from 40 % to 60 %, then a third to 90 %.

    Before: each request checked only its own step (spent - price .. spent) after both had committed, so
    the 50 % alert was never sent."""
    from bot.spending.budget import SpendingPolicy

    world.jobs._spending = SpendingPolicy(price=300_000, daily_budget=1_000_000, hourly_limit=100)
    events: list[tuple[str, object]] = []

    class Log:
        async def event(self, guild_id: int, kind: str, **kw: Any) -> None:
            events.append((kind, (kw.get("detail") or {}).get("percent")))

    world.jobs.modlog = Log()
    await world.jobs.request(_req(1))  # 30 %
    first = await world.store.member_jobs(1, [JobState.QUEUED])
    await world.store.admit(  # another process admits one at the same moment: 60 %
        first[0].with_changes(id="concurrent1", user_id=2),
        admission=world.jobs._spending.admission(GuildPolicy(), world.clock.now, exempt=True),
        image=None,
    )
    await world.jobs.request(_req(3))  # 90 %: this request must still announce 50 %
    assert [p for kind, p in events if kind == "budget_alert"] == [50, 80]


def test_every_edge_is_fenced_or_a_member_edge_and_the_table_is_closed() -> None:
    """The runner's edges need a lease; only people's edges (cancel, approve, reject) and the approval expiry don't."""
    unfenced = {event for (_, event), edge in EDGES.items() if not edge.needs_lease}
    assert unfenced == {"approve", "reject", "cancel", "expire"}
    assert EDGES[(JobState.QUEUED, "expire")].needs_lease and EDGES[(JobState.QUEUED, "send")].needs_lease


async def test_an_edge_that_does_not_exist_is_a_bug_not_a_race(store: SqlStore) -> None:
    with pytest.raises(InvalidTransition):
        await transition(store, "x", guild_id=GUILD, expect=JobState.DELIVERED, event="cancel")
    with pytest.raises(InvalidTransition):  # the runner's edges need the lease
        await transition(store, "x", guild_id=GUILD, expect=JobState.QUEUED, event="send")


def test_nothing_else_writes_a_jobs_state() -> None:
    """One writer: outside bot/store/lifecycle_sql.py, no SQL sets ``state``/``charge``, no code builds a Job
    with a new state to save it."""
    import re

    root = Path(__file__).resolve().parents[2]
    writers = []
    for path in [*root.glob("bot/**/*.py"), *root.glob("cogs/**/*.py")]:
        text = path.read_text()
        rel = path.relative_to(root).as_posix()
        if rel == "bot/store/lifecycle_sql.py":
            continue
        if re.search(r"(?i)UPDATE jobs SET[^\"']*\b(state|charge)\s*=", text) or re.search(
            r"with_changes\([^)]*\bstate\s*=", text
        ):
            writers.append(rel)
    assert writers == []


# -- helpers -------------------------------------------------------------------------------------------------------


def _req(user_id: int) -> Any:
    from bot.jobs.service import JobRequest
    from bot.models import Delivery, VideoOptions

    return JobRequest(
        user_id=user_id,
        kind="text",
        prompt="a fox",
        options=VideoOptions(model="cogvideox-2"),
        delivery=Delivery(guild_id=GUILD, channel_id=2, message_id=3, application_id=4),
    )


async def _queued_job(store: SqlStore, user_id: int = 1) -> str:
    from bot.jobs.service import JobService
    from bot.spending.budget import SpendingPolicy

    jobs = JobService(store, SpendingPolicy(price=1, daily_budget=10**9, hourly_limit=100), deadline_s=600)
    return (await jobs.request(_req(user_id))).id


def test_the_docs_show_every_edge_of_the_table() -> None:
    """docs/how-it-works.md renders EDGES; a new edge without its row fails here."""
    doc = (Path(__file__).resolve().parents[2] / "docs" / "how-it-works.md").read_text()
    for (state, event), edge in EDGES.items():
        fenced = "yes" if edge.needs_lease else "no"
        row = f"| `{state.value}` | `{event}` | `{edge.to.value}` | {edge.money.value} | {fenced} |"
        assert row in doc, row


async def _waiting_locks(store: SqlStore) -> int:
    row = await store._db.fetchone("SELECT COUNT(*) AS n FROM pg_locks WHERE NOT granted")
    return int(row["n"]) if row else 0


async def test_cancel_and_expiry_queue_behind_the_guilds_lock_on_postgres(world: World) -> None:
    """#4, with two real transactions: Cancel and the runner's expiry arrive while another transaction holds
    the server's lock. Both wait for it (a fact read from pg_locks, not a duration); then exactly one applies.

    Before: Cancel took the provider-slot lock and release the guild's, so both wrote a release."""
    if world.store.dialect != "postgres":
        pytest.skip("PostgreSQL's advisory locks; SQLite has one writer at a time")
    job_id = await world.request()
    await world.runner._register()
    [held] = await world.store.claim(world.runner.worker_id, stale_s=30, now=world.clock.now)
    pool = world.store._db._pool  # type: ignore[attr-defined]
    async with pool.acquire() as other:
        tx = other.transaction()
        await tx.start()
        await other.execute("SELECT pg_advisory_xact_lock($1)", GUILD)
        cancel = asyncio.create_task(world.jobs.cancel(job_id, by=1))
        expire = asyncio.create_task(
            transition(
                world.store, job_id, guild_id=GUILD, expect=JobState.QUEUED, event="expire", lease=held.lease, now=1.0
            )
        )
        for _ in range(200):
            if await _waiting_locks(world.store) >= 2:
                break
            await asyncio.sleep(0.01)
        assert await _waiting_locks(world.store) >= 2, "both should wait for the server's lock"
        await tx.commit()
    (result, _), expired = await cancel, await expire
    assert (result is Cancel.CANCELLED) != expired.applied  # exactly one of them
    assert await ledger(world.store, job_id) == [("reserve", 100_000), ("release", -100_000)]


async def test_a_claim_skips_rows_another_claim_holds_on_postgres(store: SqlStore) -> None:
    """#3, with two real transactions: while A's claim holds some rows, B's claim takes only the others at once.

    Before: B's UPDATE waited for A's rows and then re-took them (ids only in its condition)."""
    if store.dialect != "postgres":
        pytest.skip("row locks and SKIP LOCKED are PostgreSQL's; SQLite has one writer at a time")
    ids = sorted([await _queued_job(store, user_id=i) for i in range(6)])
    await store.register_worker("b", "host:b", now=1000.0)
    pool = store._db._pool  # type: ignore[attr-defined]
    async with pool.acquire() as a:
        tx = a.transaction()
        await tx.start()
        await a.execute("SELECT id FROM jobs WHERE id = ANY($1::text[]) FOR UPDATE", ids[:3])
        got = await asyncio.wait_for(store.claim("b", stale_s=30, now=1000.0), timeout=5)
        await tx.rollback()
    assert sorted(j.id for j in got) == ids[3:]


async def test_a_step_from_a_stale_read_never_repeats_a_side_effect(world: World) -> None:
    """The tick read a job as SUCCEEDED; while it awaited other work, the job's own step delivered it.

    Before: the stale copy started a second delivery (the video uploaded twice into the reply; seen in the
    burst benchmark), and only the final, fenced write failed. Now the step re-reads the job first."""
    job_id = await world.request()
    await world.run(3)
    delivered = await world.store.get_job(job_id)
    assert delivered is not None and delivered.state is JobState.DELIVERED
    stale = delivered.with_changes(state=JobState.SUCCEEDED, delivered_at=None)
    world.runner._spawn(stale, "deliver", world.runner._deliverer.finish)
    await asyncio.gather(*world.runner._busy.values())
    assert len(world.notifier.delivered) == 1 and world.api.downloads == 1


async def test_a_stale_read_of_an_unresolved_send_waits_for_its_backoff(world: World) -> None:
    """The tick read a job SUBMITTING and due; before the step started, the send it raced with failed and
    set a backoff (retry_later). Before: the stale copy sent again at once, the backoff ignored (seen as a
    flaky end-to-end test: two lost submits 4 ms apart). Now the step sees the job changed and leaves it."""
    world.api.submit_errors += [("lost", 504)]
    job_id = await world.request()
    await world.runner.run_once()  # the send is lost: SUBMITTING, with a retry after the backoff
    backed_off = await world.store.get_job(job_id)
    assert backed_off is not None and backed_off.state is JobState.SUBMITTING
    assert backed_off.next_poll_at is not None and backed_off.next_poll_at > world.clock.now
    stale = backed_off.with_changes(submit_attempts=0, next_poll_at=None)  # as the tick read it, due
    world.runner._spawn(stale, "send", world.runner._resolve)
    await asyncio.gather(*world.runner._busy.values())
    assert len(world.api.submits) == 1  # no second submit before the backoff
