"""Budgets (per UTC day and month, with one-off top-ups and per-model prices) and member limits.

The arithmetic lives here; the atomic check-and-reserve lives in the store, in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.models import GuildPolicy, Quota
from bot.provider.catalogue import active
from bot.store.base import Admission, Store

HOUR = 3600.0
ALERT_THRESHOLDS = (50, 80, 100)


def utc_day(now: float) -> tuple[str, float]:
    """Return the UTC day of ``now`` as 'YYYY-MM-DD' and the epoch time it ends."""
    moment = datetime.fromtimestamp(now, tz=UTC)
    start = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    return start.strftime("%Y-%m-%d"), (start + timedelta(days=1)).timestamp()


def utc_month(now: float) -> tuple[str, float]:
    """Return the UTC month of ``now`` as 'YYYY-MM' and the epoch time it ends."""
    moment = datetime.fromtimestamp(now, tz=UTC)
    start = moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    end = (start + timedelta(days=32)).replace(day=1)
    return start.strftime("%Y-%m"), end.timestamp()


def previous_month(now: float) -> str:
    """Return the UTC month before the one ``now`` is in, as 'YYYY-MM'."""
    moment = datetime.fromtimestamp(now, tz=UTC).replace(day=1)
    return (moment - timedelta(days=1)).strftime("%Y-%m")


def crossed(cap: int, before: int, after: int) -> list[int]:
    """Return the alert thresholds (percent of ``cap``) that spending from ``before`` to ``after`` crossed."""
    if cap <= 0:
        return []
    return [p for p in ALERT_THRESHOLDS if before * 100 < p * cap <= after * 100]


@dataclass(frozen=True, slots=True)
class SpendingPolicy:
    """The operator's defaults; a server's policy overrides them."""

    price: int
    daily_budget: int
    hourly_limit: int

    def price_for(self, policy: GuildPolicy, model: str) -> int:
        """Return what one generation with ``model`` costs here: the server's price, else the catalogue's, else ours."""
        spec = active().get(model)
        default = spec.price if spec is not None and spec.price is not None else self.price
        return policy.prices.get(model, default)

    def daily_cap(self, policy: GuildPolicy, now: float) -> int:
        """Return today's budget: the server's (or the default) plus today's one-off top-up."""
        base = self.daily_budget if policy.daily_budget is None else policy.daily_budget
        day, _ = utc_day(now)
        return base + (policy.topup_amount if policy.topup_day == day else 0)

    def admission(self, policy: GuildPolicy, now: float, *, exempt: bool = False) -> Admission:
        """Return the limits a job created at ``now`` must fit (``exempt``: no member limits)."""
        day, day_end = utc_day(now)
        _, month_end = utc_month(now)
        hourly = policy.member_hourly if policy.member_hourly is not None else self.hourly_limit
        return Admission(
            daily_cap=self.daily_cap(policy, now), day=day, day_resets_at=day_end,
            hourly_limit=None if exempt else hourly, hour_since=now - HOUR,
            monthly_cap=policy.monthly_budget, month_resets_at=month_end,
            daily_limit=None if exempt else policy.member_daily, day_start=day_end - 24 * HOUR,
            member_in_flight=None if exempt else policy.member_in_flight, server_in_flight=policy.server_in_flight,
        )  # fmt: skip

    async def quota(self, store: Store, policy: GuildPolicy, guild_id: int, user_id: int, now: float) -> Quota:
        """Return what is left for the member and the server, and when each resets."""
        day, day_end = utc_day(now)
        month, month_end = utc_month(now)
        hourly = policy.member_hourly if policy.member_hourly is not None else self.hourly_limit
        spent, used, oldest, used_today = await store.usage_snapshot(
            guild_id, user_id, day=day, hour_since=now - HOUR, day_start=day_end - 24 * HOUR
        )
        return Quota(
            guild_cap=self.daily_cap(policy, now), guild_spent=spent,
            guild_resets_at=day_end,
            member_limit=hourly, member_used=used,
            member_resets_at=(oldest + HOUR) if oldest is not None and used >= hourly else None,
            price=self.price, month_cap=policy.monthly_budget,
            month_spent=await store.spent_in_month(guild_id, month) if policy.monthly_budget is not None else 0,
            month_resets_at=month_end, member_daily_limit=policy.member_daily, member_used_today=used_today,
        )  # fmt: skip
