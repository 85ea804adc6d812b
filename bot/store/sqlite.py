"""SQLite: one connection, WAL, every write inside ``BEGIN IMMEDIATE``.

``BEGIN IMMEDIATE`` takes the database's write lock up front, so two requests racing for the last
credit (in this process, or another process on the same file) serialise and exactly one wins.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite

from bot.store.driver import Conn, Row
from bot.store.sql import SqlStore


class SqliteDriver:
    """A Driver over one aiosqlite connection."""

    dialect = "sqlite"

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn
        self._write = asyncio.Lock()

    async def execute(self, sql: str, *params: Any) -> None:
        """Run a statement."""
        await self._conn.execute(sql, params)

    async def fetch(self, sql: str, *params: Any) -> Sequence[Row]:
        """Return every row."""
        async with self._conn.execute(sql, params) as cur:
            return list(await cur.fetchall())  # type: ignore[arg-type]

    async def fetchone(self, sql: str, *params: Any) -> Row | None:
        """Return the first row, or None."""
        async with self._conn.execute(sql, params) as cur:
            return await cur.fetchone()  # type: ignore[return-value]

    @asynccontextmanager
    async def transaction(self, *, lock: int | None = None) -> AsyncIterator[Conn]:
        """Open a write transaction (the whole database is the lock)."""
        async with self._write:
            await self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self
            except BaseException:
                await self._conn.execute("ROLLBACK")
                raise
            await self._conn.execute("COMMIT")

    async def close(self) -> None:
        """Close the connection."""
        await self._conn.close()


async def open_sqlite(path: Path, *, migrate: bool = True) -> SqlStore:
    """Open (creating if needed) and, by default, migrate the database at ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = await aiosqlite.connect(path, isolation_level=None)
    conn.row_factory = aiosqlite.Row
    await conn.execute("PRAGMA journal_mode=WAL")
    await conn.execute("PRAGMA busy_timeout=10000")
    await conn.execute("PRAGMA foreign_keys=ON")
    store = SqlStore(SqliteDriver(conn))
    if migrate:
        await store.migrate()
    return store
