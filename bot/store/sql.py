"""The Store, written once in SQL that SQLite and PostgreSQL both speak.

Money: a job's price is reserved in the same transaction that counts the guild's spend and the
member's jobs, under a per-guild lock, so racing requests in any number of processes cannot overspend.
After that, a job's state and money move only through the lifecycle's conditional write
(bot/store/lifecycle_sql.py), and work is leased to live workers (heartbeats, fencing tokens) there.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from importlib import resources
from typing import Any

from bot.errors import InFlightLimit
from bot.models import Charge, Duration, GuildPolicy, Job, JobState
from bot.store import money
from bot.store.base import Admission
from bot.store.driver import LOCK_MIGRATE, Conn, Driver, Row
from bot.store.lifecycle_sql import LifecycleQueries
from bot.store.reports import ReportQueries
from bot.store.rows import COLUMNS, job_to_row, row_to_job
from bot.store.upkeep import Upkeep

log = logging.getLogger(__name__)

_INSERT = f"INSERT INTO jobs ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"


class SqlStore(LifecycleQueries, ReportQueries, Upkeep):
    """Persistence for jobs, budgets and guild settings over a Driver."""

    def __init__(self, driver: Driver) -> None:
        self._db = driver
        self._policies: dict[int, tuple[float, GuildPolicy]] = {}  # guild -> (read at, monotonic; policy)

    @property
    def dialect(self) -> str:
        """Return "sqlite" or "postgres"."""
        return self._db.dialect

    def latest_version(self) -> int:
        """Return the number of the newest migration this code ships."""
        folder = resources.files("bot.store") / "migrations" / self._db.dialect
        return max(int(p.name.split("_", 1)[0]) for p in folder.iterdir() if p.name.endswith(".sql"))

    async def migrate(self) -> int:
        """Apply the numbered migrations not yet applied; return the schema version."""
        async with self._db.transaction(lock=LOCK_MIGRATE) as db:
            await db.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            row = await db.fetchone("SELECT MAX(version) AS v FROM schema_version")
            current = int(row["v"] or 0) if row else 0
            folder = resources.files("bot.store") / "migrations" / self._db.dialect
            for item in sorted(folder.iterdir(), key=lambda p: p.name):
                number = int(item.name.split("_", 1)[0])
                if number > current:
                    log.info("applying migration %s/%s", self._db.dialect, item.name)
                    for statement in _split_sql(item.read_text()):
                        await db.execute(statement)
                    await db.execute("INSERT INTO schema_version (version) VALUES (?)", number)
                    current = number
        return current

    async def schema_version(self) -> int:
        """Return the highest migration applied (0 for an empty database)."""
        try:
            row = await self._db.fetchone("SELECT MAX(version) AS v FROM schema_version")
        except Exception:  # noqa: BLE001 - no table yet, whatever the driver calls that
            return 0
        return int(row["v"] or 0) if row else 0

    # -- admission and money ---------------------------------------------------------------------

    async def admit(self, job: Job, *, admission: Admission, image: str | None) -> Job:
        """Check every limit, reserve the job's price and persist it as QUEUED, atomically."""
        async with self._db.transaction(lock=job.guild_id) as db:
            await money.check(db, job, admission)
            row = job_to_row(job, admission.day)
            await db.execute(_INSERT, *(row[c] for c in COLUMNS))
            if image is not None:
                await db.execute("INSERT INTO job_inputs (job_id, image) VALUES (?, ?)", job.id, image)
            await money.record(db, job, "reserve", job.price, job.created_at, admission.day)
        return job

    async def add_pending(self, job: Job, *, image: str | None, max_pending: int) -> Job:
        """Persist a job that waits for a moderator's approval; nothing is reserved yet.

        Raises:
            InFlightLimit: the member already has ``max_pending`` requests waiting (scope "pending").
        """
        pending = job
        assert pending.state is JobState.AWAITING_APPROVAL and pending.charge is Charge.NONE, "born pending"
        async with self._db.transaction(lock=job.guild_id) as db:
            waiting = await db.fetchone(
                "SELECT COUNT(*) AS n FROM jobs WHERE guild_id=? AND user_id=? AND state=?",
                job.guild_id,
                job.user_id,
                JobState.AWAITING_APPROVAL.value,
            )
            if waiting and int(waiting["n"]) >= max_pending:
                raise InFlightLimit(scope="pending", limit=max_pending)
            row = job_to_row(pending, "")
            await db.execute(_INSERT, *(row[c] for c in COLUMNS))
            if image is not None:
                await db.execute("INSERT INTO job_inputs (job_id, image) VALUES (?, ?)", job.id, image)
        return pending

    async def spent(self, guild_id: int, day: str) -> int:
        """Return the micro-credits counted against the guild on ``day``."""
        return await money.spent(self._db, guild_id, day)

    async def spent_in_month(self, guild_id: int, month: str) -> int:
        """Return the micro-credits counted against the guild in ``month`` ("YYYY-MM")."""
        return await money.spent_in_month(self._db, guild_id, month)

    async def usage_snapshot(
        self, guild_id: int, user_id: int, *, day: str, hour_since: float, day_start: float
    ) -> tuple[int, int, float | None, int]:
        """Return, in one query: the guild's spend on ``day``, the member's jobs since ``hour_since`` and the
        oldest of them, and the member's jobs since ``day_start`` (a command's quick check before it answers)."""
        member = money.MEMBER_JOBS
        row = await self._db.fetchone(
            "SELECT (SELECT COALESCE(SUM(amount), 0) FROM ledger WHERE guild_id=? AND day=?) AS spent, "
            f"(SELECT COUNT(*) {member}) AS hour_n, (SELECT MIN(created_at) {member}) AS oldest, "
            f"(SELECT COUNT(*) {member}) AS day_n",
            guild_id,
            day,
            guild_id,
            user_id,
            float(hour_since),
            guild_id,
            user_id,
            float(hour_since),
            guild_id,
            user_id,
            float(day_start),
        )
        assert row is not None
        oldest = float(row["oldest"]) if row["oldest"] is not None else None
        return int(row["spent"]), int(row["hour_n"]), oldest, int(row["day_n"])

    async def record_alert(self, guild_id: int, period: str, threshold: int, *, at: float) -> bool:
        """Remember that a budget alert went out; return False if it had already (once per period)."""
        async with self._db.transaction(lock=guild_id) as db:
            row = await db.fetchone(
                "SELECT 1 AS x FROM budget_alerts WHERE guild_id=? AND period=? AND threshold=?",
                guild_id,
                period,
                threshold,
            )
            if row:
                return False
            await db.execute(
                "INSERT INTO budget_alerts (guild_id, period, threshold, at) VALUES (?, ?, ?, ?)",
                guild_id,
                period,
                threshold,
                float(at),
            )
        return True

    # -- jobs ------------------------------------------------------------------------------------

    async def get_job(self, job_id: str) -> Job | None:
        """Return the job, or None."""
        row = await self._db.fetchone("SELECT * FROM jobs WHERE id=?", job_id)
        return row_to_job(row) if row else None

    async def move_reply(
        self, job_id: str, *, message_id: int | None = None, channel_id: int | None = None, drop_token: bool = False
    ) -> None:
        """Record that the reply moved to a new message (or channel), or that its interaction token is spent."""
        async with self._db.transaction() as db:
            if channel_id is not None:
                await db.execute("UPDATE jobs SET channel_id=? WHERE id=?", channel_id, job_id)
            if message_id is not None:
                await db.execute("UPDATE jobs SET message_id=? WHERE id=?", message_id, job_id)
            if drop_token:
                await db.execute("UPDATE jobs SET interaction_token=NULL WHERE id=?", job_id)

    async def input_image(self, job_id: str) -> str | None:
        """Return the data URI of an image job's picture."""
        row = await self._db.fetchone("SELECT image FROM job_inputs WHERE job_id=?", job_id)
        return str(row["image"]) if row else None

    async def queue_position(self, job: Job) -> int:
        """Return 1 + the number of QUEUED jobs created before ``job``."""
        row = await self._db.fetchone(
            "SELECT COUNT(*) AS n FROM jobs WHERE state=? AND (created_at<? OR (created_at=? AND id<?))",
            JobState.QUEUED.value,
            float(job.created_at),
            float(job.created_at),
            job.id,
        )
        return 1 + (int(row["n"]) if row else 0)

    async def durations(self, schedule_key: str, *, limit: int = 50) -> list[Duration]:
        """Return recent provider durations (submit to result) of finished jobs with this key; a job found
        done by its first look (one poll) is known only to be no longer (``exact=False``)."""
        rows = await self._db.fetch(
            "SELECT finished_at - submitted_at AS d, polls FROM jobs WHERE schedule_key=? AND state IN (?, ?) "
            "AND submitted_at IS NOT NULL AND finished_at IS NOT NULL ORDER BY finished_at DESC LIMIT ?",
            schedule_key,
            JobState.SUCCEEDED.value,
            JobState.DELIVERED.value,
            limit,
        )
        return [Duration(float(r["d"]), int(r["polls"]) > 1) for r in rows if r["d"] is not None and r["d"] > 0]

    # -- guild settings --------------------------------------------------------------------------

    async def get_policy(self, guild_id: int, *, max_age_s: float = 0.0) -> GuildPolicy:
        """Return the server's policy (defaults if never set); with ``max_age_s``, a copy read that recently
        will do (this store's own changes apply at once; another process's within ``max_age_s``)."""
        now = time.monotonic()
        cached = self._policies.get(guild_id)
        if cached is not None and max_age_s > 0 and now - cached[0] <= max_age_s:
            return cached[1]
        policy = _policy_from(
            await self._db.fetchone("SELECT daily_budget, policy FROM guild_settings WHERE guild_id=?", guild_id)
        )
        latest = self._policies.get(guild_id)
        if latest is None or latest[0] <= now:  # a change this store made during the read is newer: keep it
            self._policies[guild_id] = (now, policy)
        return policy

    async def save_policy(self, guild_id: int, policy: GuildPolicy, *, by: int, at: float) -> None:
        """Store the server's whole policy, and who changed it last (setup and tests; moderators use change_policy)."""
        async with self._db.transaction(lock=guild_id) as db:
            await self._write_policy(db, guild_id, policy, by=by, at=at)
        self._policies[guild_id] = (time.monotonic(), policy)

    async def change_policy(
        self, guild_id: int, change: Callable[[GuildPolicy], Mapping[str, Any]], *, by: int, at: float
    ) -> tuple[GuildPolicy, GuildPolicy]:
        """Apply ``change`` to the policy as it is in the database, under the guild's lock; return (old, new).

        ``change`` computes the fields to set from the current rules, so two moderators' changes (two
        top-ups, say) never overwrite each other, in one process or several.
        """
        async with self._db.transaction(lock=guild_id) as db:
            old = _policy_from(
                await db.fetchone("SELECT daily_budget, policy FROM guild_settings WHERE guild_id=?", guild_id)
            )
            new = old.replace(**change(old))
            await self._write_policy(db, guild_id, new, by=by, at=at)
        self._policies[guild_id] = (time.monotonic(), new)
        return old, new

    @staticmethod
    async def _write_policy(db: Conn, guild_id: int, policy: GuildPolicy, *, by: int, at: float) -> None:
        await db.execute(
            "INSERT INTO guild_settings (guild_id, daily_budget, policy, updated_by, updated_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (guild_id) DO UPDATE SET daily_budget=excluded.daily_budget, "
            "policy=excluded.policy, updated_by=excluded.updated_by, updated_at=excluded.updated_at",
            guild_id,
            policy.daily_budget,
            policy.to_json(),
            by,
            float(at),
        )

    async def close(self) -> None:
        """Release the database."""
        await self._db.close()


def _policy_from(row: Row | None) -> GuildPolicy:
    if not row:
        return GuildPolicy()
    return GuildPolicy.from_json(row["policy"]).replace(daily_budget=row["daily_budget"])


def _split_sql(script: str) -> list[str]:
    """Split a migration into statements (a CREATE TRIGGER's body stays whole, up to its END)."""
    lines = [line.split("--", 1)[0] for line in script.splitlines()]
    statements: list[str] = []
    for piece in (p.strip() for p in "\n".join(lines).split(";")):
        if (
            statements
            and statements[-1].upper().startswith("CREATE TRIGGER")
            and not statements[-1].upper().endswith("END")
        ):
            statements[-1] += ";\n" + piece
        elif piece:
            statements.append(piece)
    return statements
