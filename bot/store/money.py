"""The money checks and the ledger, inside a transaction the caller holds (under the guild's lock).

Spend is summed from the ledger (reserve rows, minus release rows, by the UTC day they count
against), so it stays right when a member's jobs are forgotten. Member limits count the member's jobs.
"""

from __future__ import annotations

from bot.errors import BudgetExhausted, InFlightLimit, MemberLimitReached
from bot.models import COUNTS_FOR_LIMITS, WORKING, Job
from bot.store.base import Admission
from bot.store.driver import Conn

_LEDGER = "INSERT INTO ledger (guild_id, user_id, job_id, kind, amount, at, day) VALUES (?, ?, ?, ?, ?, ?, ?)"
_WORKING = tuple(sorted(s.value for s in WORKING))
_COUNTED = tuple(sorted(s.value for s in COUNTS_FOR_LIMITS))
# A member's generations in a period: reserved price, in a state that counts (a failed one does not).
MEMBER_JOBS = (
    "FROM jobs WHERE guild_id=? AND user_id=? AND created_at>=? AND charge='reserved' "
    f"AND state IN ({', '.join(repr(s) for s in _COUNTED)})"
)


async def spent(db: Conn, guild_id: int, day: str) -> int:
    """Return the micro-credits counted against the guild on ``day``."""
    row = await db.fetchone(
        "SELECT COALESCE(SUM(amount), 0) AS s FROM ledger WHERE guild_id=? AND day=?", guild_id, day
    )
    return int(row["s"]) if row else 0


async def spent_in_month(db: Conn, guild_id: int, month: str) -> int:
    """Return the micro-credits counted against the guild in ``month`` ("YYYY-MM")."""
    row = await db.fetchone(
        "SELECT COALESCE(SUM(amount), 0) AS s FROM ledger WHERE guild_id=? AND day LIKE ?", guild_id, f"{month}-%"
    )
    return int(row["s"]) if row else 0


async def member_usage(db: Conn, guild_id: int, user_id: int, since: float) -> tuple[int, float | None]:
    """Return the member's charged jobs since ``since`` and the oldest one's creation time."""
    row = await db.fetchone(
        f"SELECT COUNT(*) AS n, MIN(created_at) AS oldest {MEMBER_JOBS}", guild_id, user_id, float(since)
    )
    if not row:
        return 0, None
    return int(row["n"]), (float(row["oldest"]) if row["oldest"] is not None else None)


async def working(db: Conn, guild_id: int, user_id: int | None = None) -> int:
    """Count the guild's (or one member's) jobs queued or at the provider."""
    sql = f"SELECT COUNT(*) AS n FROM jobs WHERE guild_id=? AND state IN ({', '.join('?' * len(_WORKING))})"
    params: list[object] = [guild_id, *_WORKING]
    if user_id is not None:
        sql += " AND user_id=?"
        params.append(user_id)
    row = await db.fetchone(sql, *params)
    return int(row["n"]) if row else 0


async def check(db: Conn, job: Job, a: Admission) -> None:
    """Raise the first limit ``job`` would break.

    Raises:
        BudgetExhausted, MemberLimitReached, InFlightLimit.
    """
    day_spent = await spent(db, job.guild_id, a.day)
    if day_spent + job.price > a.daily_cap:
        raise BudgetExhausted(cap=a.daily_cap, spent=day_spent, price=job.price, resets_at=a.day_resets_at)
    if a.monthly_cap is not None:
        month_spent = await spent_in_month(db, job.guild_id, a.day[:7])
        if month_spent + job.price > a.monthly_cap:
            raise BudgetExhausted(
                cap=a.monthly_cap, spent=month_spent, price=job.price, resets_at=a.month_resets_at, period="month"
            )
    if a.server_in_flight is not None and await working(db, job.guild_id) >= a.server_in_flight:
        raise InFlightLimit(scope="server", limit=a.server_in_flight)
    if a.member_in_flight is not None and await working(db, job.guild_id, job.user_id) >= a.member_in_flight:
        raise InFlightLimit(scope="member", limit=a.member_in_flight)
    if a.hourly_limit is not None:
        used, oldest = await member_usage(db, job.guild_id, job.user_id, a.hour_since)
        if used >= a.hourly_limit:
            raise MemberLimitReached(limit=a.hourly_limit, used=used, resets_at=(oldest or job.created_at) + 3600)
    if a.daily_limit is not None:
        used, _ = await member_usage(db, job.guild_id, job.user_id, a.day_start)
        if used >= a.daily_limit:
            raise MemberLimitReached(limit=a.daily_limit, used=used, resets_at=a.day_resets_at, period="day")


async def record(db: Conn, job: Job, kind: str, amount: int, at: float, day: str) -> None:
    """Append a ledger row."""
    await db.execute(_LEDGER, job.guild_id, job.user_id, job.id, kind, amount, float(at), day)
