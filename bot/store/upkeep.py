"""Housekeeping queries, mixed into SqlStore: whether start-up can create the schema here (for
``reelbot doctor``), and pruning members' pictures once their jobs are long finished."""

from __future__ import annotations

from dataclasses import dataclass

from bot.models import JobState
from bot.store.driver import Driver, marks

_ENDED = (JobState.DELIVERED.value, JobState.FAILED.value, JobState.EXPIRED.value)


@dataclass(frozen=True, slots=True)
class SchemaAccess:
    """Where start-up would create its tables, and whether the database lets it."""

    user: str  # the database user ("" on SQLite)
    schema: str | None  # where new tables go; None: no schema on PostgreSQL's search_path exists
    may_create: bool


class Upkeep:
    """Queries that keep the database fit to run on, and keep no more than it must."""

    _db: Driver

    async def schema_access(self) -> SchemaAccess:
        """Say whether this connection may create tables (SQLite: always, the file is ours)."""
        if self._db.dialect != "postgres":
            return SchemaAccess(user="", schema="main", may_create=True)
        row = await self._db.fetchone(
            "SELECT current_user AS u, current_schema() AS s, "
            "COALESCE(has_schema_privilege(current_schema(), 'CREATE'), false) AS c"
        )
        assert row is not None
        return SchemaAccess(user=str(row["u"]), schema=row["s"], may_create=bool(row["c"]))

    async def prune_inputs(self, *, finished_before: float, limit: int = 500) -> int:
        """Delete the pictures of up to ``limit`` jobs that ended before ``finished_before``; return how many.

        Only the picture (kept for Re-roll) goes: the job, its prompt and its money stay.
        """
        async with self._db.transaction() as db:
            rows = await db.fetch(
                "SELECT i.job_id FROM job_inputs i JOIN jobs j ON j.id = i.job_id "
                f"WHERE j.state IN ({marks(len(_ENDED))}) AND COALESCE(j.finished_at, j.created_at) < ? "
                "ORDER BY i.job_id LIMIT ?",
                *_ENDED,
                float(finished_before),
                limit,
            )
            ids = [r["job_id"] for r in rows]
            if ids:
                await db.execute(f"DELETE FROM job_inputs WHERE job_id IN ({marks(len(ids))})", *ids)
        return len(ids)
