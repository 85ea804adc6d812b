"""The Store interface: task-shaped methods that take and return plain models."""

from __future__ import annotations

from collections.abc import Callable, Container, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from bot.models import Duration, GuildPolicy, Job, JobState, Lease, Money, Outcome


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


POLICY_TTL_S = 5.0  # how stale a server's rules may be where staleness is harmless (another process's changes)


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

    async def move_reply(
        self, job_id: str, *, message_id: int | None = None, channel_id: int | None = None, drop_token: bool = False
    ) -> None:
        """Record that the reply moved to a new message (or channel), or that its interaction token is spent."""
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

    async def durations(self, schedule_key: str, *, limit: int = 50) -> list[Duration]:
        """Return recent provider durations (submit to result) of finished jobs with this key; a job found
        done by its first look is known only to be no longer (``exact=False``)."""
        ...

    async def get_policy(self, guild_id: int, *, max_age_s: float = 0.0) -> GuildPolicy:
        """Return the server's policy (defaults if never set); with ``max_age_s``, a copy read that recently
        will do (this store's own changes apply at once; another process's within ``max_age_s``)."""
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

    async def add_pending(self, job: Job, *, image: str | None, max_pending: int) -> Job:
        """Persist a job that waits for a moderator's approval (at most ``max_pending`` a member); nothing reserved."""
        ...

    async def member_jobs(self, user_id: int, states: Iterable[JobState]) -> list[Job]:
        """Return the member's jobs (in every server) in ``states``."""
        ...

    async def forget_member(self, user_id: int) -> int:
        """Delete the member's delivered jobs and blank the prompts the provider already has; keep the money."""
        ...

    async def change_policy(
        self, guild_id: int, change: Callable[[GuildPolicy], Mapping[str, Any]], *, by: int, at: float
    ) -> tuple[GuildPolicy, GuildPolicy]:
        """Apply ``change`` to the policy as stored, under the guild's lock; return (old, new)."""
        ...

    # -- the lifecycle (bot/store/lifecycle_sql.py) ------------------------------------------------

    async def apply_transition(
        self,
        job_id: str,
        *,
        guild_id: int,
        expect: JobState,
        to: JobState,
        money: Money,
        lease: Lease | None,
        changes: Mapping[str, object],
        admission: Admission | None,
        slot_limit: int | None,
        now: float | None = None,
    ) -> Outcome:
        """The one conditional write of a job's state; only bot.jobs.lifecycle.transition calls it."""
        ...

    async def request_cancel(self, job_id: str, *, now: float | None = None) -> Job | None:
        """Record a member's wish to cancel a job that was already sent; return the job as it is now."""
        ...

    async def register_worker(self, worker_id: str, name: str, *, now: float | None = None) -> None:
        """Start a worker's heartbeat; a previous incarnation with the same name gives its jobs back."""
        ...

    async def beat(self, worker_id: str, *, now: float | None = None) -> bool:
        """Renew every lease the worker holds; False if it was retired."""
        ...

    async def retire_worker(self, worker_id: str) -> None:
        """Free the worker's jobs at once (a clean stop)."""
        ...

    async def claim(
        self,
        worker_id: str,
        *,
        stale_s: float,
        now: float | None = None,
        due_at: float | None = None,
        queued: int = 5000,
        limit: int = 5000,
        take_over: bool = True,
        skip: Container[str] = frozenset(),
    ) -> list[Job]:
        """Take unfinished jobs whose holder is gone (new fencing token); return the worker's jobs with a step
        due at ``due_at`` (all it holds when None), but those whose id is in ``skip``."""
        ...

    async def held(self, worker_id: str, states: Iterable[JobState]) -> list[Job]:
        """Return the worker's jobs in ``states`` (for progress replies), oldest first."""
        ...

    async def next_due(self, worker_id: str) -> float | None:
        """Return when the worker's next poll or retry is due (None: nothing scheduled)."""
        ...

    async def record_alert(self, guild_id: int, period: str, threshold: int, *, at: float) -> bool:
        """Remember that a budget alert went out; return False if it had already (once per period)."""
        ...

    async def close(self) -> None:
        """Release the connection."""
        ...
