"""Housekeeping queries, mixed into SqlStore: whether start-up can create the schema here (for
``reelbot doctor``), and pruning members' pictures once their jobs are long finished."""

from __future__ import annotations

from dataclasses import dataclass

from bot.store.driver import Driver


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
