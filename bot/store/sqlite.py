"""SQLite store: one connection, WAL, every check-and-write inside ``BEGIN IMMEDIATE``.

``BEGIN IMMEDIATE`` takes the write lock up front, so two requests racing for the last credit
(in this process or another one on the same file) serialise and exactly one wins.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any

import aiosqlite

from bot.errors import BudgetExhausted, MemberLimitReached
from bot.models import Charge, Delivery, GuildSettings, Job, JobState, VideoOptions
from bot.store.base import Admission

log = logging.getLogger(__name__)

_MUTABLE = (
    "state",
    "charge",
    "task_id",
    "submit_attempts",
    "submitted_at",
    "finished_at",
    "delivered_at",
    "next_poll_at",
    "polls",
    "deadline_at",
    "video_url",
    "cover_url",
    "error_code",
    "error_detail",
    "message_id",
    "channel_id",
    "interaction_token",
)


class SqliteStore:
    """The embedded default store."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn
        self._write = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path) -> SqliteStore:
        """Open (creating if needed) and migrate the database at ``path``."""
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = await aiosqlite.connect(path, isolation_level=None)
        conn.row_factory = aiosqlite.Row
        await conn.execute("PRAGMA journal_mode=WAL")
        await conn.execute("PRAGMA busy_timeout=10000")
        await conn.execute("PRAGMA foreign_keys=ON")
        store = cls(conn)
        await store.migrate()
        return store

    async def migrate(self) -> int:
        """Apply the numbered migrations not yet applied; return the schema version."""
        async with self._tx() as db:
            await db.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            row = await (await db.execute("SELECT MAX(version) FROM schema_version")).fetchone()
            current = (row[0] if row else None) or 0
            folder = resources.files("bot.store") / "migrations" / "sqlite"
            for item in sorted(folder.iterdir(), key=lambda p: p.name):
                number = int(item.name.split("_", 1)[0])
                if number > current:
                    log.info("applying migration %s", item.name)
                    await db.executescript_in_tx(item.read_text())
                    await db.execute("INSERT INTO schema_version VALUES (?)", (number,))
                    current = number
        return current

    @asynccontextmanager
    async def _tx(self) -> AsyncIterator[_Tx]:
        async with self._write:
            await self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield _Tx(self._conn)
            except BaseException:
                await self._conn.execute("ROLLBACK")
                raise
            await self._conn.execute("COMMIT")

    async def admit(self, job: Job, *, admission: Admission, image: str | None) -> Job:
        """Reserve the job's price and persist it as QUEUED, atomically."""
        async with self._tx() as db:
            row = await db.one(
                "SELECT COALESCE(SUM(price), 0) FROM jobs WHERE guild_id=? AND day=? AND charge=?",
                (job.guild_id, admission.day, Charge.RESERVED.value),
            )
            spent = int(row[0])
            if spent + job.price > admission.daily_cap:
                raise BudgetExhausted(
                    cap=admission.daily_cap, spent=spent, price=job.price, resets_at=admission.day_resets_at
                )
            used, oldest = await self._member_usage(job.guild_id, job.user_id, admission.hour_since)
            if used >= admission.hourly_limit:
                raise MemberLimitReached(
                    limit=admission.hourly_limit, used=used, resets_at=(oldest or job.created_at) + 3600
                )
            await db.execute(_INSERT, _insert_params(job, admission.day))
            if image is not None:
                await db.execute("INSERT INTO job_inputs (job_id, image) VALUES (?, ?)", (job.id, image))
            await db.execute(
                "INSERT INTO ledger (guild_id, user_id, job_id, kind, amount, at) VALUES (?,?,?,?,?,?)",
                (job.guild_id, job.user_id, job.id, "reserve", job.price, job.created_at),
            )
        return job

    async def get_job(self, job_id: str) -> Job | None:
        """Return the job, or None."""
        async with self._conn.execute("SELECT * FROM jobs WHERE id=?", (job_id,)) as cur:
            row = await cur.fetchone()
        return _job(row) if row else None

    async def save(self, job: Job) -> None:
        """Write every mutable field of ``job``."""
        async with self._tx() as db:
            await db.execute(_UPDATE, _update_params(job))

    async def release(self, job: Job) -> Job:
        """Give the job's price back (once) and save ``job``."""
        released = job.with_changes(charge=Charge.RELEASED)
        async with self._tx() as db:
            row = await db.one("SELECT charge FROM jobs WHERE id=?", (job.id,))
            await db.execute(_UPDATE, _update_params(released))
            if row and row[0] == Charge.RESERVED.value:
                await db.execute(
                    "INSERT INTO ledger (guild_id, user_id, job_id, kind, amount, at) VALUES (?,?,?,?,?,?)",
                    (job.guild_id, job.user_id, job.id, "release", -job.price, job.finished_at or 0),
                )
        return released

    async def input_image(self, job_id: str) -> str | None:
        """Return the data URI of an image job's picture."""
        async with self._conn.execute("SELECT image FROM job_inputs WHERE job_id=?", (job_id,)) as cur:
            row = await cur.fetchone()
        return str(row[0]) if row else None

    async def drop_input_image(self, job_id: str) -> None:
        """Forget the picture once the provider has it."""
        async with self._tx() as db:
            await db.execute("DELETE FROM job_inputs WHERE job_id=?", (job_id,))

    async def jobs_in(self, states: frozenset[JobState], *, limit: int = 500) -> list[Job]:
        """Return jobs in any of ``states``, oldest first."""
        marks = ",".join("?" * len(states))
        sql = f"SELECT * FROM jobs WHERE state IN ({marks}) ORDER BY created_at, id LIMIT ?"  # noqa: S608
        async with self._conn.execute(sql, (*sorted(states), limit)) as cur:
            return [_job(r) for r in await cur.fetchall()]

    async def count_in(self, states: frozenset[JobState]) -> int:
        """Count jobs in any of ``states``."""
        marks = ",".join("?" * len(states))
        sql = f"SELECT COUNT(*) FROM jobs WHERE state IN ({marks})"  # noqa: S608
        async with self._conn.execute(sql, tuple(sorted(states))) as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    async def queue_position(self, job: Job) -> int:
        """Return 1 + the number of QUEUED jobs created before ``job``."""
        sql = "SELECT COUNT(*) FROM jobs WHERE state=? AND (created_at < ? OR (created_at = ? AND id < ?))"
        async with self._conn.execute(sql, (JobState.QUEUED.value, job.created_at, job.created_at, job.id)) as cur:
            row = await cur.fetchone()
        return 1 + (int(row[0]) if row else 0)

    async def spent(self, guild_id: int, day: str) -> int:
        """Return the micro-credits counted against the guild on ``day``."""
        sql = "SELECT COALESCE(SUM(price), 0) FROM jobs WHERE guild_id=? AND day=? AND charge=?"
        async with self._conn.execute(sql, (guild_id, day, Charge.RESERVED.value)) as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    async def member_usage(self, guild_id: int, user_id: int, since: float) -> tuple[int, float | None]:
        """Return the member's counted jobs since ``since`` and the oldest one's creation time."""
        return await self._member_usage(guild_id, user_id, since)

    async def _member_usage(self, guild_id: int, user_id: int, since: float) -> tuple[int, float | None]:
        sql = "SELECT COUNT(*), MIN(created_at) FROM jobs WHERE guild_id=? AND user_id=? AND created_at>=? AND charge=?"
        async with self._conn.execute(sql, (guild_id, user_id, since, Charge.RESERVED.value)) as cur:
            row = await cur.fetchone()
        if not row:
            return 0, None
        return int(row[0]), (float(row[1]) if row[1] is not None else None)

    async def durations(self, schedule_key: str, *, limit: int = 50) -> list[float]:
        """Return recent provider durations of finished jobs with this key."""
        sql = (
            "SELECT finished_at - submitted_at FROM jobs WHERE schedule_key=? AND state IN (?, ?) "
            "AND submitted_at IS NOT NULL AND finished_at IS NOT NULL ORDER BY finished_at DESC LIMIT ?"
        )
        params = (schedule_key, JobState.SUCCEEDED.value, JobState.DELIVERED.value, limit)
        async with self._conn.execute(sql, params) as cur:
            return [float(r[0]) for r in await cur.fetchall() if r[0] is not None and r[0] > 0]

    async def guild_settings(self, guild_id: int) -> GuildSettings:
        """Return the guild's settings (defaults if never set)."""
        sql = "SELECT daily_budget FROM guild_settings WHERE guild_id=?"
        async with self._conn.execute(sql, (guild_id,)) as cur:
            row = await cur.fetchone()
        return GuildSettings(guild_id=guild_id, daily_budget=row[0] if row else None)

    async def set_daily_budget(self, guild_id: int, micros: int | None, *, by: int, at: float) -> None:
        """Set (or reset to the default) the guild's daily budget, and record who did."""
        async with self._tx() as db:
            await db.execute(
                "INSERT INTO guild_settings (guild_id, daily_budget, updated_by, updated_at) VALUES (?,?,?,?) "
                "ON CONFLICT(guild_id) DO UPDATE SET daily_budget=excluded.daily_budget, "
                "updated_by=excluded.updated_by, updated_at=excluded.updated_at",
                (guild_id, micros, by, at),
            )
            await db.execute(
                "INSERT INTO ledger (guild_id, user_id, job_id, kind, amount, at) VALUES (?,?,?,?,?,?)",
                (guild_id, by, None, "budget", micros if micros is not None else -1, at),
            )

    async def close(self) -> None:
        """Close the connection."""
        await self._conn.close()


class _Tx:
    """The statements of one open transaction (the connection is ours while it lasts)."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def execute(self, sql: str, params: Iterable[Any] = ()) -> aiosqlite.Cursor:
        return await self._conn.execute(sql, tuple(params))

    async def one(self, sql: str, params: Iterable[Any] = ()) -> Any:
        async with self._conn.execute(sql, tuple(params)) as cur:
            return await cur.fetchone()

    async def executescript_in_tx(self, script: str) -> None:
        # executescript() would COMMIT first; run statement by statement inside our transaction.
        for statement in _split_sql(script):
            await self._conn.execute(statement)


def _split_sql(script: str) -> list[str]:
    lines = [line.split("--", 1)[0] for line in script.splitlines()]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]


async def open_store(database_url: str) -> SqliteStore:
    """Open the store named by ``database_url`` (``sqlite:///path``)."""
    return await SqliteStore.open(Path(database_url.removeprefix("sqlite:///")))


_COLUMNS = (
    "id",
    "guild_id",
    "channel_id",
    "message_id",
    "application_id",
    "interaction_token",
    "token_expires_at",
    "upload_limit",
    "user_id",
    "kind",
    "prompt",
    "options",
    "schedule_key",
    "price",
    "charge",
    "day",
    "state",
    "task_id",
    "submit_attempts",
    "created_at",
    "submitted_at",
    "finished_at",
    "delivered_at",
    "next_poll_at",
    "polls",
    "deadline_at",
    "video_url",
    "cover_url",
    "error_code",
    "error_detail",
)
_INSERT = f"INSERT INTO jobs ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})"  # noqa: S608
_UPDATE = f"UPDATE jobs SET {', '.join(f'{c}=?' for c in _MUTABLE)} WHERE id=?"  # noqa: S608


def _row(job: Job, day: str = "") -> dict[str, Any]:
    d = job.delivery
    return {
        "id": job.id, "guild_id": d.guild_id, "channel_id": d.channel_id, "message_id": d.message_id,
        "application_id": d.application_id, "interaction_token": d.interaction_token,
        "token_expires_at": d.token_expires_at, "upload_limit": d.upload_limit, "user_id": job.user_id,
        "kind": job.kind, "prompt": job.prompt, "options": json.dumps(_options_dict(job.options)),
        "schedule_key": job.options.schedule_key(), "price": job.price, "charge": job.charge.value, "day": day,
        "state": job.state.value, "task_id": job.task_id, "submit_attempts": job.submit_attempts,
        "created_at": job.created_at, "submitted_at": job.submitted_at, "finished_at": job.finished_at,
        "delivered_at": job.delivered_at, "next_poll_at": job.next_poll_at, "polls": job.polls,
        "deadline_at": job.deadline_at, "video_url": job.video_url, "cover_url": job.cover_url,
        "error_code": job.error_code, "error_detail": job.error_detail,
    }  # fmt: skip


def _insert_params(job: Job, day: str) -> tuple[Any, ...]:
    values = _row(job, day)
    return tuple(values[c] for c in _COLUMNS)


def _update_params(job: Job) -> tuple[Any, ...]:
    values = _row(job)
    return (*(values[c] for c in _MUTABLE), job.id)


def _options_dict(options: VideoOptions) -> dict[str, Any]:
    return {
        "model": options.model,
        "size": options.size,
        "duration": options.duration,
        "fps": options.fps,
        "quality": options.quality,
        "with_audio": options.with_audio,
    }


def _job(row: aiosqlite.Row) -> Job:
    delivery = Delivery(
        guild_id=row["guild_id"],
        channel_id=row["channel_id"],
        message_id=row["message_id"],
        application_id=row["application_id"],
        interaction_token=row["interaction_token"],
        token_expires_at=row["token_expires_at"],
        upload_limit=row["upload_limit"],
    )
    return Job(
        id=row["id"],
        user_id=row["user_id"],
        kind=row["kind"],
        prompt=row["prompt"],
        options=VideoOptions(**json.loads(row["options"])),
        delivery=delivery,
        price=row["price"],
        created_at=row["created_at"],
        state=JobState(row["state"]),
        charge=Charge(row["charge"]),
        task_id=row["task_id"],
        submit_attempts=row["submit_attempts"],
        submitted_at=row["submitted_at"],
        finished_at=row["finished_at"],
        delivered_at=row["delivered_at"],
        next_poll_at=row["next_poll_at"],
        polls=row["polls"],
        deadline_at=row["deadline_at"],
        video_url=row["video_url"],
        cover_url=row["cover_url"],
        error_code=row["error_code"],
        error_detail=row["error_detail"],
    )
