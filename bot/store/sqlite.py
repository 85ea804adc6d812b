"""SQLite: WAL, one connection for writes (every write inside ``BEGIN IMMEDIATE``) and one for reads.

``BEGIN IMMEDIATE`` takes the database's write lock up front, so two requests racing for the last
credit (in this process, or another process on the same file) serialise and exactly one wins.
Reads outside a transaction use their own connection (WAL lets them run beside a writer), so a
command's quick checks never queue behind the runner's writes: that keeps acknowledgements fast.
``synchronous=NORMAL`` (SQLite's advice for WAL): most commits wait for no disk flush; a killed process
loses nothing, a power cut may lose the last commits whole (docs/how-it-works.md, Several processes).
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


class _Conn:
    """Statements on one aiosqlite connection; each is one trip to the connection's thread."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def execute(self, sql: str, *params: Any) -> None:
        await self._conn.execute_fetchall(sql, params)

    async def fetch(self, sql: str, *params: Any) -> Sequence[Row]:
        return list(await self._conn.execute_fetchall(sql, params))  # type: ignore[arg-type]

    async def fetchone(self, sql: str, *params: Any) -> Row | None:
        rows = list(await self._conn.execute_fetchall(sql, params))
        return rows[0] if rows else None  # type: ignore[return-value]


class SqliteDriver:
    """A Driver over two aiosqlite connections to one WAL database."""

    dialect = "sqlite"

    def __init__(self, writer: aiosqlite.Connection, reader: aiosqlite.Connection) -> None:
        self._writer, self._reader = writer, reader
        self._write = asyncio.Lock()
        self._reads = _Conn(reader)

    async def execute(self, sql: str, *params: Any) -> None:
        """Run a statement (a write: it takes the write lock)."""
        async with self.transaction() as db:
            await db.execute(sql, *params)

    async def fetch(self, sql: str, *params: Any) -> Sequence[Row]:
        """Return every row (committed data, on the read connection)."""
        return await self._reads.fetch(sql, *params)

    async def fetchone(self, sql: str, *params: Any) -> Row | None:
        """Return the first row, or None (committed data, on the read connection)."""
        return await self._reads.fetchone(sql, *params)

    async def write_one(self, sql: str, *params: Any) -> Row | None:
        """Run one write in autocommit mode: SQLite makes a single statement its own transaction, so this
        is one trip, not three (BEGIN IMMEDIATE, the statement, COMMIT)."""
        async with self._write:  # never inside another task's open transaction on the writer
            return await _Conn(self._writer).fetchone(sql, *params)

    @asynccontextmanager
    async def transaction(self, *, lock: int | None = None) -> AsyncIterator[Conn]:
        """Open a write transaction (the whole database is the lock)."""
        async with self._write:
            conn = _Conn(self._writer)
            await conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                await conn.execute("ROLLBACK")
                raise
            await conn.execute("COMMIT")

    async def close(self) -> None:
        """Close both connections."""
        await self._reader.close()
        await self._writer.close()


async def _connect(path: Path) -> aiosqlite.Connection:
    conn = await aiosqlite.connect(path, isolation_level=None)
    conn.row_factory = aiosqlite.Row
    await conn.execute("PRAGMA busy_timeout=10000")
    await conn.execute("PRAGMA foreign_keys=ON")
    return conn


async def open_sqlite(path: Path, *, migrate: bool = True) -> SqlStore:
    """Open (creating if needed) and, by default, migrate the database at ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = await _connect(path)
    await writer.execute("PRAGMA journal_mode=WAL")
    await writer.execute("PRAGMA synchronous=NORMAL")
    store = SqlStore(SqliteDriver(writer, await _connect(path)))
    if migrate:
        await store.migrate()
    return store
