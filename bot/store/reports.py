"""Queries for people rather than for the runner: members' job lists, forgetting a member,
usage reports and metrics. Mixed into SqlStore."""

from __future__ import annotations

from collections.abc import Iterable

from bot.models import Charge, Job, JobState
from bot.store.driver import Driver, chunks, marks
from bot.store.rows import row_to_job


class ReportQueries:
    """Reads (and the forget-me delete) that serve members, moderators and metrics."""

    _db: Driver

    async def recent_jobs(self, guild_id: int, user_id: int, *, limit: int = 10) -> list[Job]:
        """Return the member's latest jobs in the server, newest first."""
        rows = await self._db.fetch(
            "SELECT * FROM jobs WHERE guild_id=? AND user_id=? ORDER BY created_at DESC LIMIT ?",
            guild_id,
            user_id,
            limit,
        )
        return [row_to_job(r) for r in rows]

    async def member_jobs(self, user_id: int, states: Iterable[JobState]) -> list[Job]:
        """Return the member's jobs (in every server) in ``states``."""
        wanted = [s.value for s in states]
        rows = await self._db.fetch(
            f"SELECT * FROM jobs WHERE user_id=? AND state IN ({marks(len(wanted))})", user_id, *wanted
        )
        return [row_to_job(r) for r in rows]

    async def forget_member(self, user_id: int) -> int:
        """Delete the member's finished jobs and prompts everywhere; keep the money, without their name.

        Call it after the lifecycle has cancelled the member's unsent jobs (JobService.forget_member).
        Jobs the provider already has keep going with their prompt blanked; a job still being submitted
        keeps its prompt (a resubmission must send the same request); a later call deletes them.
        """
        finished = [JobState.DELIVERED.value, JobState.FAILED.value, JobState.EXPIRED.value]
        sent = [JobState.SUBMITTED.value, JobState.PROCESSING.value, *finished, JobState.SUCCEEDED.value]
        async with self._db.transaction() as db:
            rows = await db.fetch(
                "SELECT id FROM jobs WHERE user_id=? AND delivered_at IS NOT NULL "
                f"AND state IN ({marks(len(finished))})",
                user_id,
                *finished,
            )
            ids = [r["id"] for r in rows]
            for chunk in chunks(ids, 500):
                holes = marks(len(chunk))
                await db.execute(f"DELETE FROM job_inputs WHERE job_id IN ({holes})", *chunk)
                await db.execute(f"DELETE FROM jobs WHERE id IN ({holes})", *chunk)
            await db.execute(
                f"UPDATE jobs SET prompt='…' WHERE user_id=? AND state IN ({marks(len(sent))})", user_id, *sent
            )
            await db.execute("UPDATE ledger SET user_id=NULL WHERE user_id=?", user_id)
        return len(ids)

    async def usage(self, guild_id: int, month: str) -> tuple[dict[str, tuple[int, int]], list[tuple[int, int, int]]]:
        """Return spend per day {day: (videos, micro-credits)} and per member [(user, videos, micro-credits)]."""
        pattern = f"{month}-%"
        days = await self._db.fetch(
            "SELECT day, COUNT(CASE WHEN kind='reserve' THEN 1 END) AS n, SUM(amount) AS s FROM ledger "
            "WHERE guild_id=? AND day LIKE ? GROUP BY day ORDER BY day",
            guild_id,
            pattern,
        )
        members = await self._db.fetch(
            "SELECT user_id, COUNT(*) AS n, SUM(price) AS s FROM jobs WHERE guild_id=? AND day LIKE ? AND charge=? "
            "GROUP BY user_id ORDER BY s DESC LIMIT 25",
            guild_id,
            pattern,
            Charge.RESERVED.value,
        )
        return (
            {r["day"]: (int(r["n"]), int(r["s"] or 0)) for r in days},
            [(int(r["user_id"]), int(r["n"]), int(r["s"] or 0)) for r in members],
        )

    async def pending_jobs(self, guild_id: int, *, limit: int = 25) -> tuple[list[Job], int]:
        """Return the server's requests awaiting approval, oldest first (at most ``limit``), and how many there are."""
        waiting = JobState.AWAITING_APPROVAL.value  # a read: only the lifecycle writes state
        rows = await self._db.fetch(
            "SELECT * FROM jobs WHERE guild_id=? AND state=? ORDER BY created_at, id LIMIT ?", guild_id, waiting, limit
        )
        total = await self._db.fetchone(
            "SELECT COUNT(*) AS n FROM jobs WHERE guild_id=? AND state=?", guild_id, waiting
        )
        return [row_to_job(r) for r in rows], int(total["n"]) if total else 0

    async def count_by_state(self) -> dict[JobState, int]:
        """Count every job by state (for metrics)."""
        rows = await self._db.fetch("SELECT state, COUNT(*) AS n FROM jobs GROUP BY state")
        return {JobState(r["state"]): int(r["n"]) for r in rows}
