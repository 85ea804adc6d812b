"""PostgreSQL (asyncpg): several processes share one database.

Statements arrive with ``?`` placeholders and are numbered ($1, $2, …) here. A named lock is a
transaction-scoped advisory lock, so a guild's budget check-and-reserve is serialised across processes.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from functools import lru_cache
from typing import Any

import asyncpg

from bot.store.driver import Conn, Row
from bot.store.sql import SqlStore

_MARK = re.compile(r"\?")


@lru_cache(maxsize=512)
def numbered(sql: str) -> str:
    """Turn ``?`` placeholders into ``$1, $2, …`` (our statements hold no literal question marks)."""
    counter = iter(range(1, 10_000))
    return _MARK.sub(lambda _: f"${next(counter)}", sql)


class _Tx:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def execute(self, sql: str, *params: Any) -> None:
        await self._conn.execute(numbered(sql), *params)

    async def fetch(self, sql: str, *params: Any) -> Sequence[Row]:
        return list(await self._conn.fetch(numbered(sql), *params))

    async def fetchone(self, sql: str, *params: Any) -> Row | None:
        row: Row | None = await self._conn.fetchrow(numbered(sql), *params)
        return row


class PostgresDriver:
    """A Driver over an asyncpg pool."""

    dialect = "postgres"

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def execute(self, sql: str, *params: Any) -> None:
        """Run a statement."""
        await self._pool.execute(numbered(sql), *params)

    async def fetch(self, sql: str, *params: Any) -> Sequence[Row]:
        """Return every row."""
        return list(await self._pool.fetch(numbered(sql), *params))

    async def fetchone(self, sql: str, *params: Any) -> Row | None:
        """Return the first row, or None."""
        row: Row | None = await self._pool.fetchrow(numbered(sql), *params)
        return row

    async def write_one(self, sql: str, *params: Any) -> Row | None:
        """Run one write outside a transaction block: PostgreSQL commits a single statement on its own."""
        return await self.fetchone(sql, *params)

    @asynccontextmanager
    async def transaction(self, *, lock: int | None = None) -> AsyncIterator[Conn]:
        """Open a transaction; with ``lock``, hold that advisory lock until it ends."""
        async with self._pool.acquire() as conn, conn.transaction():
            if lock is not None:
                await conn.execute("SELECT pg_advisory_xact_lock($1)", lock)
            yield _Tx(conn)

    async def close(self) -> None:
        """Close the pool."""
        await self._pool.close()


async def open_postgres(url: str, *, schema: str | None = None, migrate: bool = True) -> SqlStore:
    """Connect to ``url`` (optionally inside ``schema``, for tests) and, by default, migrate."""
    settings = {"search_path": schema} if schema else None
    pool = await asyncpg.create_pool(url, min_size=1, max_size=8, server_settings=settings)
    store = SqlStore(PostgresDriver(pool))
    if migrate:
        await store.migrate()
    return store
