"""The store's half of the lifecycle: the one conditional write, claims, and worker heartbeats.

Only ``apply_transition`` writes a job's ``state`` or ``charge`` after the job was created, and only
``bot.jobs.lifecycle.transition`` calls it. Each is one ``UPDATE … WHERE id=? AND state=? [AND lease_owner=?
AND lease_epoch=?] RETURNING *`` in the same transaction as its ledger row, under the guild's lock when
money moves (the provider-slot lock for "send"). No row back means the race was lost: nothing changes and
the caller gets the row as the winner left it.

Leases belong to live workers: each process has a uuid and a heartbeat row in ``workers``; a job is
claimable when its owner is gone or has not beaten for ``stale_s`` (the database's clock decides), and
every claim bumps ``lease_epoch``, the fencing token the runner's writes carry.
"""

from __future__ import annotations

from collections.abc import Container, Iterable, Mapping

from bot.models import AT_PROVIDER, IN_FLIGHT, OUTCOMES, Charge, Job, JobState, Lease, Money, Outcome
from bot.store import money as ledger
from bot.store.base import Admission
from bot.store.driver import LOCK_SUBMIT_SLOTS, Conn, Driver, marks
from bot.store.rows import row_to_job

NOW_SQL = {
    "sqlite": "((julianday('now') - 2440587.5) * 86400.0)",
    "postgres": "(EXTRACT(EPOCH FROM clock_timestamp())::double precision)",
}
# Every job a runner still has work for (delivered_at: the member's reply shows the end).
_ACTIVE = tuple(s.value for s in JobState if s is not JobState.DELIVERED)
# Polled jobs: their holder kept their poll times in memory (the row has only a horizon).
_POLLED = ", ".join(f"'{s.value}'" for s in IN_FLIGHT)


class LifecycleQueries:
    """Mixed into SqlStore."""

    _db: Driver

    def _clock(self, now: float | None) -> tuple[str, tuple[float, ...]]:
        """The time to write: the database's clock, or a pinned ``now`` (tests)."""
        if now is None:
            return NOW_SQL[self._db.dialect], ()
        return ("CAST(? AS DOUBLE PRECISION)" if self._db.dialect == "postgres" else "?"), (float(now),)

    async def apply_transition(
        self,
        job_id: str,
        *,
        guild_id: int,
        expect: JobState,
        to: JobState,
        money: Money,
        lease: Lease | None,
        changes: Mapping[str, object],
        admission: Admission | None,
        slot_limit: int | None,
        now: float | None = None,
    ) -> Outcome:
        """Move the job to ``to`` if it is still in ``expect`` (and held under ``lease``), with its ledger row."""
        clock, clock_params = self._clock(now)
        sets = [f"state='{to.value}'", f"updated_at={clock}"]
        params: list[object] = [*clock_params]
        if money is Money.RESERVE:
            sets.append(f"charge='{Charge.RESERVED.value}'")
        elif money is Money.RELEASE:
            sets.append(
                f"charge=CASE WHEN charge='{Charge.RESERVED.value}' THEN '{Charge.RELEASED.value}' ELSE charge END"
            )
        for name, value in changes.items():
            sets.append(f"{name}=?")
            params.append(value)
        where = "id=? AND state=?"
        params += [job_id, expect.value]
        if lease is not None:
            where += " AND lease_owner=? AND lease_epoch=?"
            params += [lease.owner, lease.epoch]
        if slot_limit is not None:
            busy = ", ".join(f"'{s.value}'" for s in AT_PROVIDER)
            where += f" AND (SELECT COUNT(*) FROM jobs AS busy WHERE busy.state IN ({busy})) < ?"
            params.append(slot_limit)
        lock = guild_id if money is not Money.KEEP else (LOCK_SUBMIT_SLOTS if slot_limit is not None else None)
        update = f"UPDATE jobs SET {', '.join(sets)} WHERE {where} RETURNING *"
        if money is Money.KEEP and lock is None:  # one conditional write, no ledger row: atomic on its own
            row = await self._db.write_one(update, *params)
            return Outcome(row_to_job(row), applied=True) if row else await _lost(self._db, job_id)
        async with self._db.transaction(lock=lock) as db:
            if money is Money.RESERVE and admission is not None:
                before = await db.fetchone("SELECT * FROM jobs WHERE id=?", job_id)
                if before is None or before["state"] != expect.value:
                    return Outcome(row_to_job(before) if before else None, applied=False)
                await ledger.check(db, row_to_job(before), admission)  # raises the refusal: nothing changes
            row = await db.fetchone(update, *params)
            if row is None:  # lost the race (or no slot): change nothing
                return await _lost(db, job_id)
            job = row_to_job(row)
            at = float(row["updated_at"])
            if money is Money.RESERVE:
                await ledger.record(db, job, "reserve", job.price, at, row["day"])
            elif money is Money.RELEASE and job.charge is Charge.RELEASED:
                await ledger.record(db, job, "release", -job.price, at, row["day"])
        return Outcome(job, applied=True)

    async def request_cancel(self, job_id: str, *, now: float | None = None) -> Job | None:
        """Record a member's wish to cancel a job that was already sent; return the job as it is now."""
        clock, clock_params = self._clock(now)
        states = [s.value for s in AT_PROVIDER]
        async with self._db.transaction() as db:
            await db.execute(
                f"UPDATE jobs SET cancel_requested_at=COALESCE(cancel_requested_at, {clock}) "
                f"WHERE id=? AND state IN ({marks(len(states))})",
                *clock_params,
                job_id,
                *states,
            )
            row = await db.fetchone("SELECT * FROM jobs WHERE id=?", job_id)
        return row_to_job(row) if row else None

    # -- workers and leases ------------------------------------------------------------------------

    async def register_worker(self, worker_id: str, name: str, *, now: float | None = None) -> None:
        """Start a worker's heartbeat; a previous incarnation with the same name gives its jobs back at once."""
        clock, clock_params = self._clock(now)
        async with self._db.transaction() as db:
            await db.execute(
                "UPDATE jobs SET lease_owner=NULL WHERE lease_owner IN (SELECT id FROM workers WHERE name=? AND id<>?)",
                name,
                worker_id,
            )
            await db.execute("DELETE FROM workers WHERE name=? AND id<>?", name, worker_id)
            await db.execute(
                f"INSERT INTO workers (id, name, last_seen) VALUES (?, ?, {clock}) "
                f"ON CONFLICT (id) DO UPDATE SET last_seen=excluded.last_seen",
                worker_id,
                name,
                *clock_params,
            )

    async def beat(self, worker_id: str, *, now: float | None = None) -> bool:
        """Renew every lease the worker holds; False if it was retired (a newer process took its name)."""
        clock, clock_params = self._clock(now)
        async with self._db.transaction() as db:
            row = await db.fetchone(
                f"UPDATE workers SET last_seen={clock} WHERE id=? RETURNING id", *clock_params, worker_id
            )
        return row is not None

    async def retire_worker(self, worker_id: str) -> None:
        """A clean stop: free the worker's jobs for the others at once."""
        async with self._db.transaction() as db:
            await db.execute("UPDATE jobs SET lease_owner=NULL WHERE lease_owner=?", worker_id)
            await db.execute("DELETE FROM workers WHERE id=?", worker_id)

    async def claim(
        self,
        worker_id: str,
        *,
        stale_s: float,
        now: float | None = None,
        due_at: float | None = None,
        queued: int = 5000,
        limit: int = 5000,
        take_over: bool = True,
        skip: Container[str] = frozenset(),
    ) -> list[Job]:
        """Take unfinished jobs whose holder is gone (bumping their fencing token); return the worker's jobs
        that have a step due at ``due_at`` (every held job when it is None): at most ``queued`` of the oldest
        queued ones (and any past their deadline), those whose next poll or retry has come, and finished ones
        the member has not seen yet. ``take_over=False`` skips the taking (a read only). Jobs whose id is in
        ``skip`` (a step of theirs is under way) are left out unparsed: in a burst they are most of the rows."""
        if take_over:
            await self._take_over(worker_id, stale_s, now, limit, due_at=due_at)
        held = "FROM jobs WHERE lease_owner=? AND delivered_at IS NULL"
        states = marks(len(_ACTIVE))
        if due_at is None:
            rows = await self._db.fetch(
                f"SELECT * {held} AND state IN ({states}) ORDER BY created_at, id LIMIT ?", worker_id, *_ACTIVE, limit
            )
            return [row_to_job(r) for r in rows if r["id"] not in skip]
        stepping = [s.value for s in (*AT_PROVIDER, *OUTCOMES)]
        rows = await self._db.fetch(
            f"SELECT * {held} AND ((state IN ({marks(len(stepping))}) AND COALESCE(next_poll_at, 0) <= ?) "
            f"OR (state IN ({marks(len(OUTCOMES))})) OR (state IN (?, ?) AND deadline_at < ?)) LIMIT ?",
            worker_id,
            *stepping,
            float(due_at),
            *(s.value for s in OUTCOMES),
            JobState.AWAITING_APPROVAL.value,
            JobState.QUEUED.value,
            float(due_at),
            limit,
        )
        waiting = await self._db.fetch(
            f"SELECT * {held} AND state=? ORDER BY created_at, id LIMIT ?", worker_id, JobState.QUEUED.value, queued
        )
        jobs = {r["id"]: row_to_job(r) for r in (*rows, *waiting) if r["id"] not in skip}
        return sorted(jobs.values(), key=lambda j: (j.created_at, j.id))

    async def _take_over(
        self, worker_id: str, stale_s: float, now: float | None, limit: int, *, due_at: float | None = None
    ) -> None:
        clock, clock_params = self._clock(now)
        # Due in this very claim: the runner's clock (``due_at``), which its poll times are kept in.
        poll_now, poll_params = (clock, clock_params) if due_at is None else self._clock(due_at)
        live = f"SELECT id FROM workers WHERE last_seen + ? >= {clock}"
        free = f"(lease_owner IS NULL OR (lease_owner<>? AND lease_owner NOT IN ({live})))"
        skip = " FOR UPDATE SKIP LOCKED" if self._db.dialect == "postgres" else ""
        states = marks(len(_ACTIVE))
        # The holder kept its jobs' poll times in memory (the row has only a horizon): poll a taken job at once.
        async with self._db.transaction() as db:
            await db.execute(
                f"UPDATE jobs SET lease_owner=?, lease_epoch=lease_epoch+1, "
                f"next_poll_at=CASE WHEN state IN ({_POLLED}) THEN {poll_now} ELSE next_poll_at END WHERE id IN ("
                f"SELECT id FROM jobs WHERE state IN ({states}) AND delivered_at IS NULL AND {free} "
                f"ORDER BY created_at, id LIMIT ?{skip}) AND {free}",
                worker_id,
                *poll_params,
                *_ACTIVE,
                worker_id,
                float(stale_s),
                *clock_params,
                limit,
                worker_id,
                float(stale_s),
                *clock_params,
            )

    async def held(self, worker_id: str, states: Iterable[JobState]) -> list[Job]:
        """Return the worker's jobs in ``states`` (for progress replies), oldest first."""
        wanted = [s.value for s in states]
        rows = await self._db.fetch(
            f"SELECT * FROM jobs WHERE lease_owner=? AND state IN ({marks(len(wanted))}) ORDER BY created_at, id",
            worker_id,
            *wanted,
        )
        return [row_to_job(r) for r in rows]

    async def next_due(self, worker_id: str) -> float | None:
        """Return when the worker's next poll or retry is due (None: nothing scheduled)."""
        states = [s.value for s in AT_PROVIDER]
        row = await self._db.fetchone(
            f"SELECT MIN(next_poll_at) AS t FROM jobs WHERE lease_owner=? AND state IN ({marks(len(states))})",
            worker_id,
            *states,
        )
        return float(row["t"]) if row and row["t"] is not None else None


async def _lost(db: Conn, job_id: str) -> Outcome:
    """A transition that lost its race changed nothing: say what won (the job as it is now)."""
    current = await db.fetchone("SELECT * FROM jobs WHERE id=?", job_id)
    return Outcome(row_to_job(current) if current else None, applied=False)
