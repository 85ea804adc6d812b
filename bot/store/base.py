"""The Store interface: task-shaped methods that take and return plain models."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.models import GuildPolicy, Job


@dataclass(frozen=True, slots=True)
class Admission:
    """The limits a new job must fit, checked in the same transaction that reserves its price."""

    daily_cap: int  # micro-credits for the guild's UTC day (top-up included)
    day: str  # "YYYY-MM-DD", UTC
    day_resets_at: float
    hourly_limit: int | None  # generations per member per rolling hour; None: exempt
    hour_since: float  # created_at lower bound of the rolling hour
    monthly_cap: int | None = None  # micro-credits for the UTC month; None: no monthly cap
    month_resets_at: float = 0.0
    daily_limit: int | None = None  # generations per member per UTC day; None: no daily limit
    day_start: float = 0.0
    member_in_flight: int | None = None  # the member's jobs queued or at the provider
    server_in_flight: int | None = None  # the server's jobs queued or at the provider


class Store(Protocol):
    """Persistence for jobs, budgets and guild settings."""

    async def admit(self, job: Job, *, admission: Admission, image: str | None) -> Job:
        """Reserve the job's price and persist it as QUEUED, atomically.

        Raises:
            BudgetExhausted: the guild's daily cap cannot cover the price.
            MemberLimitReached: the member has used their hourly generations.
        """
        ...

    async def get_job(self, job_id: str) -> Job | None:
        """Return the job, or None."""
        ...

    async def save(self, job: Job) -> None:
        """Write the fields the runner changes (not where the reply lives); end any submit attempt."""
        ...

    async def move_reply(
        self, job_id: str, *, message_id: int | None = None, channel_id: int | None = None, drop_token: bool = False
    ) -> None:
        """Record that the reply moved to a new message (or channel), or that its interaction token is spent."""
        ...

    async def claim(self, owner: str, *, now: float, lease_s: float, limit: int = 5000) -> list[Job]:
        """Take (or renew) the lease on unfinished jobs that are free, expired, or already ``owner``'s."""
        ...

    async def forget_submit_attempts(self, owner: str) -> None:
        """Free the provider slots of ``owner``'s queued jobs: a restarted process's attempts died with it."""
        ...

    async def take_submit_slots(self, owner: str, *, now: float, max_in_flight: int, hold_s: float) -> list[Job]:
        """Give ``owner``'s oldest queued jobs a provider slot while fewer than ``max_in_flight`` are taken."""
        ...

    async def release(self, job: Job) -> Job:
        """Give the job's price back to the budget (once) and save ``job``."""
        ...

    async def input_image(self, job_id: str) -> str | None:
        """Return the data URI of an image job's picture."""
        ...

    async def queue_position(self, job: Job) -> int:
        """Return 1 + the number of QUEUED jobs created before ``job``."""
        ...

    async def spent(self, guild_id: int, day: str) -> int:
        """Return the micro-credits reserved by the guild's jobs on ``day`` (released ones excluded)."""
        ...

    async def durations(self, schedule_key: str, *, limit: int = 50) -> list[float]:
        """Return recent provider durations (submit to result) of finished jobs with this key."""
        ...

    async def get_policy(self, guild_id: int) -> GuildPolicy:
        """Return the server's policy (defaults if never set)."""
        ...

    async def save_policy(self, guild_id: int, policy: GuildPolicy, *, by: int, at: float) -> None:
        """Store the server's policy, and who changed it last."""
        ...

    async def usage_snapshot(
        self, guild_id: int, user_id: int, *, day: str, hour_since: float, day_start: float
    ) -> tuple[int, int, float | None, int]:
        """Return the guild's spend on ``day``, the member's jobs in the hour (and the oldest) and in the day."""
        ...

    async def spent_in_month(self, guild_id: int, month: str) -> int:
        """Return the micro-credits counted against the guild in ``month`` ("YYYY-MM")."""
        ...

    async def add_pending(self, job: Job, *, image: str | None) -> Job:
        """Persist a job that waits for a moderator's approval; nothing is reserved yet."""
        ...

    async def approve(self, job_id: str, *, admission: Admission, now: float, deadline_at: float) -> Job:
        """Move an approved job into the queue: every limit checked, price reserved, atomically."""
        ...

    async def cancel(self, job_id: str, *, now: float) -> Job:
        """Cancel a job that has not reached the provider; release its price if one was reserved."""
        ...

    async def record_alert(self, guild_id: int, period: str, threshold: int, *, at: float) -> bool:
        """Remember that a budget alert went out; return False if it had already (once per period)."""
        ...

    async def close(self) -> None:
        """Release the connection."""
        ...
