"""Shared fixtures: the store contract runs on SQLite always and on PostgreSQL when it is available.

PostgreSQL comes from TEST_DATABASE_URL. Under CI (CI=true) it is required: a missing server fails
the run instead of skipping, so the PostgreSQL half of the suite can never silently vanish.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.store.sql import SqlStore
from bot.store.sqlite import open_sqlite


def postgres_url() -> str:
    url = os.environ.get("TEST_DATABASE_URL", "")
    if not url:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but TEST_DATABASE_URL is not set: the PostgreSQL tests must run in CI")
        pytest.skip("PostgreSQL tests skipped: set TEST_DATABASE_URL=postgresql://… to run them")
    return url


async def fresh_schema(url: str) -> str:
    """Create an empty schema for one test; return its name."""
    import asyncpg

    try:
        conn = await asyncpg.connect(url)
    except (OSError, asyncpg.PostgresError) as exc:
        pytest.fail(f"TEST_DATABASE_URL is set but PostgreSQL is not reachable: {exc}")
    schema = f"t_{secrets.token_hex(6)}"
    try:
        await conn.execute(f"CREATE SCHEMA {schema}")
    finally:
        await conn.close()
    return schema


async def drop_schema(url: str, schema: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        await conn.execute(f"DROP SCHEMA {schema} CASCADE")
    finally:
        await conn.close()


@pytest.fixture(params=["sqlite", "postgres"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[SqlStore]:
    if request.param == "sqlite":
        s = await open_sqlite(tmp_path / "test.sqlite3")
        yield s
        await s.close()
        return
    from bot.store.postgres import open_postgres

    url = postgres_url()
    schema = await fresh_schema(url)
    s = await open_postgres(url, schema=schema)
    yield s
    await s.close()
    await drop_schema(url, schema)
