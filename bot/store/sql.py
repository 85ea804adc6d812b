"""The Store, written once in SQL that SQLite and PostgreSQL both speak.

Money: a job's price is reserved in the same transaction that counts the guild's spend and the
member's jobs, under a per-guild lock, so racing requests in any number of processes cannot overspend.
Work: each process claims jobs with a lease (owner, until); a job whose owner stops renewing is taken
over by another process once the lease runs out. Provider slots are counted globally under a lock.
"""

from __future__ import annotations

import logging
from importlib import resources

from bot.models import IN_FLIGHT, OUTCOMES, Charge, GuildPolicy, Job, JobState
from bot.store import money
from bot.store.base import Admission
from bot.store.driver import LOCK_MIGRATE, LOCK_SUBMIT_SLOTS, Conn, Driver, chunks, marks
from bot.store.reports import ReportQueries
from bot.store.rows import COLUMNS, MUTABLE, job_to_row, row_to_job
from bot.store.upkeep import Upkeep

log = logging.getLogger(__name__)

_INSERT = f"INSERT INTO jobs ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"
_UPDATE = f"UPDATE jobs SET {', '.join(f'{c}=?' for c in MUTABLE)} WHERE id=?"
_ACTIVE = (JobState.AWAITING_APPROVAL, JobState.QUEUED, *IN_FLIGHT, *OUTCOMES)


class SqlStore(ReportQueries, Upkeep):
    """Persistence for jobs, budgets and guild settings over a Driver."""

    def __init__(self, driver: Driver) -> None:
        self._db = driver

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

    async def add_pending(self, job: Job, *, image: str | None) -> Job:
        """Persist a job that waits for a moderator's approval; nothing is reserved yet."""
        pending = job.with_changes(state=JobState.AWAITING_APPROVAL, charge=Charge.NONE)
        async with self._db.transaction() as db:
            row = job_to_row(pending, "")
            await db.execute(_INSERT, *(row[c] for c in COLUMNS))
            if image is not None:
                await db.execute("INSERT INTO job_inputs (job_id, image) VALUES (?, ?)", job.id, image)
        return pending

    async def approve(self, job_id: str, *, admission: Admission, now: float, deadline_at: float) -> Job:
        """Move an approved job into the queue: every limit checked, price reserved, atomically.

        Raises:
            LookupError: the job is not awaiting approval (already decided, expired or forgotten).
            BudgetExhausted, MemberLimitReached, InFlightLimit: the job no longer fits.
        """
        current = await self.get_job(job_id)
        if current is None:
            raise LookupError(job_id)
        async with self._db.transaction(lock=current.guild_id) as db:
            row = await db.fetchone("SELECT state FROM jobs WHERE id=?", job_id)
            if not row or row["state"] != JobState.AWAITING_APPROVAL.value:
                raise LookupError(job_id)
            await money.check(db, current, admission)
            job = current.with_changes(state=JobState.QUEUED, charge=Charge.RESERVED, deadline_at=deadline_at)
            await db.execute("UPDATE jobs SET day=? WHERE id=?", admission.day, job_id)
            await self._save(db, job)
            await money.record(db, job, "reserve", job.price, now, admission.day)
        return job

    async def release(self, job: Job) -> Job:
        """Give the job's price back (once) and save ``job``."""
        released = job.with_changes(charge=Charge.RELEASED)
        async with self._db.transaction(lock=job.guild_id) as db:
            row = await db.fetchone("SELECT charge, day FROM jobs WHERE id=?", job.id)
            await self._save(db, released)
            if row and row["charge"] == Charge.RESERVED.value:
                await money.record(db, job, "release", -job.price, job.finished_at or job.created_at, row["day"])
        return released

    async def cancel(self, job_id: str, *, now: float) -> Job:
        """Cancel a job that has not reached the provider; release its price if one was reserved.

        Raises:
            LookupError: it is being submitted, at the provider, or finished.
        """
        job = await self.get_job(job_id)
        if job is None:
            raise LookupError(job_id)
        async with self._db.transaction(lock=LOCK_SUBMIT_SLOTS) as db:
            row = await db.fetchone("SELECT state, submit_slot_until, charge, day FROM jobs WHERE id=?", job_id)
            waiting = (JobState.QUEUED.value, JobState.AWAITING_APPROVAL.value)
            if not row or row["state"] not in waiting or (row["submit_slot_until"] or 0) > now:
                raise LookupError(job_id)
            reserved = row["charge"] == Charge.RESERVED.value
            cancelled = job.with_changes(
                state=JobState.FAILED,
                finished_at=now,
                error_code="cancelled",
                charge=Charge.RELEASED if reserved else Charge.NONE,
            )
            await self._save(db, cancelled)
            if reserved:
                await money.record(db, job, "release", -job.price, now, row["day"])
        return cancelled

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
        member = "FROM jobs WHERE guild_id=? AND user_id=? AND created_at>=? AND charge=?"
        reserved = Charge.RESERVED.value
        row = await self._db.fetchone(
            "SELECT (SELECT COALESCE(SUM(amount), 0) FROM ledger WHERE guild_id=? AND day=?) AS spent, "
            f"(SELECT COUNT(*) {member}) AS hour_n, (SELECT MIN(created_at) {member}) AS oldest, "
            f"(SELECT COUNT(*) {member}) AS day_n",
            guild_id,
            day,
            guild_id,
            user_id,
            float(hour_since),
            reserved,
            guild_id,
            user_id,
            float(hour_since),
            reserved,
            guild_id,
            user_id,
            float(day_start),
            reserved,
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

    async def save(self, job: Job) -> None:
        """Write the fields the runner changes (not where the reply lives); end any submit attempt."""
        async with self._db.transaction() as db:
            await self._save(db, job)

    @staticmethod
    async def _save(db: Conn, job: Job) -> None:
        row = job_to_row(job)
        await db.execute(_UPDATE, *(row[c] for c in MUTABLE), job.id)
        await db.execute("UPDATE jobs SET submit_slot_until=NULL WHERE id=?", job.id)  # the attempt is over

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

    async def claim(self, owner: str, *, now: float, lease_s: float, limit: int = 5000) -> list[Job]:
        """Take (or renew) the lease on unfinished jobs that are free, expired, or already ours."""
        states = [s.value for s in _ACTIVE]
        async with self._db.transaction() as db:
            rows = await db.fetch(
                f"SELECT id FROM jobs WHERE state IN ({marks(len(states))}) AND delivered_at IS NULL "
                "AND (lease_owner IS NULL OR lease_owner=? OR lease_until<?) ORDER BY created_at, id LIMIT ?",
                *states,
                owner,
                float(now),
                limit,
            )
            ids = [r["id"] for r in rows]
            for chunk in chunks(ids, 500):
                # Taking a job over from a process that stopped renewing: its submit attempt died with it,
                # so the provider slot it held is free (a resubmission reuses the request_id).
                await db.execute(
                    "UPDATE jobs SET submit_slot_until=CASE WHEN lease_owner=? THEN submit_slot_until END, "
                    f"lease_owner=?, lease_until=? WHERE id IN ({marks(len(chunk))})",
                    owner,
                    owner,
                    float(now + lease_s),
                    *chunk,
                )
            if not ids:
                return []
            jobs: list[Job] = []
            for chunk in chunks(ids, 500):
                got = await db.fetch(f"SELECT * FROM jobs WHERE id IN ({marks(len(chunk))})", *chunk)
                jobs += [row_to_job(r) for r in got]
        return sorted(jobs, key=lambda j: (j.created_at, j.id))

    async def forget_submit_attempts(self, owner: str) -> None:
        """Free the provider slots of ``owner``'s queued jobs: a restarted process's attempts died with it."""
        async with self._db.transaction(lock=LOCK_SUBMIT_SLOTS) as db:
            await db.execute(
                "UPDATE jobs SET submit_slot_until=NULL WHERE lease_owner=? AND state=?", owner, JobState.QUEUED.value
            )

    async def take_submit_slots(self, owner: str, *, now: float, max_in_flight: int, hold_s: float) -> list[Job]:
        """Give our oldest queued jobs a provider slot while fewer than ``max_in_flight`` are taken, globally."""
        async with self._db.transaction(lock=LOCK_SUBMIT_SLOTS) as db:
            busy = await db.fetchone(
                f"SELECT COUNT(*) AS n FROM jobs WHERE state IN ({marks(len(IN_FLIGHT))}) "
                "OR (state=? AND submit_slot_until>?)",
                *(s.value for s in IN_FLIGHT),
                JobState.QUEUED.value,
                float(now),
            )
            free = max_in_flight - (int(busy["n"]) if busy else 0)
            if free <= 0:
                return []
            rows = await db.fetch(
                "SELECT * FROM jobs WHERE state=? AND lease_owner=? AND deadline_at>=? "
                "AND (submit_slot_until IS NULL OR submit_slot_until<=?) ORDER BY created_at, id LIMIT ?",
                JobState.QUEUED.value,
                owner,
                float(now),
                float(now),
                free,
            )
            for r in rows:
                await db.execute("UPDATE jobs SET submit_slot_until=? WHERE id=?", float(now + hold_s), r["id"])
        return [row_to_job(r) for r in rows]

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

    async def durations(self, schedule_key: str, *, limit: int = 50) -> list[float]:
        """Return recent provider durations (submit to result) of finished jobs with this key."""
        rows = await self._db.fetch(
            "SELECT finished_at - submitted_at AS d FROM jobs WHERE schedule_key=? AND state IN (?, ?) "
            "AND submitted_at IS NOT NULL AND finished_at IS NOT NULL ORDER BY finished_at DESC LIMIT ?",
            schedule_key,
            JobState.SUCCEEDED.value,
            JobState.DELIVERED.value,
            limit,
        )
        return [float(r["d"]) for r in rows if r["d"] is not None and r["d"] > 0]

    # -- guild settings --------------------------------------------------------------------------

    async def get_policy(self, guild_id: int) -> GuildPolicy:
        """Return the server's policy (defaults if never set)."""
        row = await self._db.fetchone("SELECT daily_budget, policy FROM guild_settings WHERE guild_id=?", guild_id)
        if not row:
            return GuildPolicy()
        return GuildPolicy.from_json(row["policy"]).replace(daily_budget=row["daily_budget"])

    async def save_policy(self, guild_id: int, policy: GuildPolicy, *, by: int, at: float) -> None:
        """Store the server's policy, and who changed it last."""
        async with self._db.transaction(lock=guild_id) as db:
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


def _split_sql(script: str) -> list[str]:
    lines = [line.split("--", 1)[0] for line in script.splitlines()]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]
