"""One Store interface; SQLite (embedded default) and PostgreSQL (several processes) behind it."""

from __future__ import annotations

from pathlib import Path

from bot.store.base import Admission, Store
from bot.store.sql import SqlStore


async def open_store(database_url: str, *, migrate: bool = True) -> SqlStore:
    """Open (and by default migrate) the store named by ``database_url`` (``sqlite:///…`` or ``postgresql://…``)."""
    if database_url.startswith(("postgresql://", "postgres://")):
        from bot.store.postgres import open_postgres

        return await open_postgres(database_url, migrate=migrate)
    from bot.store.sqlite import open_sqlite

    return await open_sqlite(Path(database_url.removeprefix("sqlite:///")), migrate=migrate)


__all__ = ["Admission", "SqlStore", "Store", "open_store"]
