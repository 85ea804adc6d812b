"""What the SQL store needs from a database: transactions (optionally holding a named lock) and queries.

Statements are written once with ``?`` placeholders; a driver translates them for its dialect.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol

Row = Mapping[str, Any]

# Named locks (PostgreSQL advisory locks; SQLite's write lock covers everything anyway).
LOCK_SUBMIT_SLOTS = 0x7265656C  # "reel"
LOCK_MIGRATE = 0x7265656D


class Conn(Protocol):
    """A connection inside a transaction, or the pool outside one."""

    async def execute(self, sql: str, *params: Any) -> None:
        """Run a statement."""
        ...

    async def fetch(self, sql: str, *params: Any) -> Sequence[Row]:
        """Return every row."""
        ...

    async def fetchone(self, sql: str, *params: Any) -> Row | None:
        """Return the first row, or None."""
        ...


class Driver(Conn, Protocol):
    """A database: one dialect, reads outside transactions, writes inside them."""

    dialect: str  # "sqlite" or "postgres": the migrations folder

    def transaction(self, *, lock: int | None = None) -> AbstractAsyncContextManager[Conn]:
        """Open a write transaction; with ``lock``, serialise against every holder of the same lock."""
        ...

    async def write_one(self, sql: str, *params: Any) -> Row | None:
        """Run one write that is atomic on its own (its own transaction, one trip); return its first row."""
        ...

    async def close(self) -> None:
        """Release connections."""
        ...


def marks(n: int) -> str:
    """Return ``n`` comma-separated ``?`` placeholders."""
    return ", ".join("?" * n)


def chunks(items: list[str], size: int = 500) -> list[list[str]]:
    """Split ``items`` so that no statement carries too many placeholders."""
    return [items[i : i + size] for i in range(0, len(items), size)]
