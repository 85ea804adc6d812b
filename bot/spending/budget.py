"""Per-server daily budgets (UTC days) and per-member hourly limits.

The arithmetic lives here; the atomic check-and-reserve lives in the store, in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.models import Quota
from bot.store.base import Admission, Store

HOUR = 3600.0


def utc_day(now: float) -> tuple[str, float]:
    """Return the UTC day of ``now`` as 'YYYY-MM-DD' and the epoch time it ends."""
    moment = datetime.fromtimestamp(now, tz=UTC)
    start = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    return start.strftime("%Y-%m-%d"), (start + timedelta(days=1)).timestamp()


@dataclass(frozen=True, slots=True)
class SpendingPolicy:
    """The operator's defaults; a server's own daily budget overrides ``daily_budget``."""

    price: int
    daily_budget: int
    hourly_limit: int

    async def admission(self, store: Store, guild_id: int, now: float) -> Admission:
        """Return the limits a job created at ``now`` in ``guild_id`` must fit."""
        day, resets = utc_day(now)
        return Admission(
            daily_cap=await self.daily_cap(store, guild_id),
            day=day,
            day_resets_at=resets,
            hourly_limit=self.hourly_limit,
            hour_since=now - HOUR,
        )

    async def daily_cap(self, store: Store, guild_id: int) -> int:
        """Return the server's daily budget in micro-credits."""
        settings = await store.guild_settings(guild_id)
        return self.daily_budget if settings.daily_budget is None else settings.daily_budget

    async def quota(self, store: Store, guild_id: int, user_id: int, now: float) -> Quota:
        """Return what is left for the member and the server, and when each resets."""
        day, resets = utc_day(now)
        used, oldest = await store.member_usage(guild_id, user_id, now - HOUR)
        return Quota(
            guild_cap=await self.daily_cap(store, guild_id),
            guild_spent=await store.spent(guild_id, day),
            guild_resets_at=resets,
            member_limit=self.hourly_limit,
            member_used=used,
            member_resets_at=(oldest + HOUR) if oldest is not None and used >= self.hourly_limit else None,
            price=self.price,
        )
