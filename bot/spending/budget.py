"""Budgets (per day and month of the server's own clock, with one-off top-ups and per-model prices)
and member limits.

The arithmetic lives here; the atomic check-and-reserve lives in the store, in one transaction.
A server's budget day starts at midnight in its time zone (``GuildPolicy.timezone``: an IANA zone
such as "Asia/Shanghai", or a fixed offset such as "+08:00"; UTC by default).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.models import GuildPolicy, Quota
from bot.provider.catalogue import active
from bot.store.base import Admission, Store

HOUR = 3600.0
ALERT_THRESHOLDS = (50, 80, 100)
NO_CAP = 10**15  # micro-credits: a daily cap no server reaches (the daily cap is off)
_OFFSET = re.compile(r"^(?:UTC|GMT)?\s*([+-])(\d{1,2})(?::?(\d{2}))?$", re.IGNORECASE)


@cache
def zone(name: str) -> tzinfo:
    """Return the time zone named by an IANA name or a UTC offset ("+08:00", "UTC-5").

    Raises:
        ValueError: not a zone this machine knows, nor an offset between -14:00 and +14:00.
    """
    text = name.strip()
    if text.upper() in {"", "UTC", "GMT", "Z"}:
        return UTC
    match = _OFFSET.match(text)
    if match:
        sign, hours, minutes = match.group(1), int(match.group(2)), int(match.group(3) or 0)
        if hours > 14 or minutes >= 60 or (hours == 14 and minutes):
            raise ValueError(f"offset out of range: {name!r}")
        delta = timedelta(hours=hours, minutes=minutes)
        return timezone(-delta if sign == "-" else delta)
    try:
        return ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone: {name!r}") from None


def _zone_or_utc(name: str) -> tzinfo:
    try:
        return zone(name)
    except ValueError:
        return UTC  # a zone that vanished from the system's database: count in UTC rather than fail


def budget_day(now: float, tz: str = "UTC") -> tuple[str, float]:
    """Return the day of ``now`` in ``tz`` as 'YYYY-MM-DD' and the epoch time it ends."""
    where = _zone_or_utc(tz)
    moment = datetime.fromtimestamp(now, tz=where)
    start = moment.replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=None)
    end = (start + timedelta(days=1)).replace(tzinfo=where)
    return start.strftime("%Y-%m-%d"), end.timestamp()


def budget_month(now: float, tz: str = "UTC") -> tuple[str, float]:
    """Return the month of ``now`` in ``tz`` as 'YYYY-MM' and the epoch time it ends."""
    where = _zone_or_utc(tz)
    moment = datetime.fromtimestamp(now, tz=where)
    start = moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0, tzinfo=None)
    end = (start + timedelta(days=32)).replace(day=1, tzinfo=where)
    return start.strftime("%Y-%m"), end.timestamp()


def utc_day(now: float) -> tuple[str, float]:
    """Return the UTC day of ``now`` as 'YYYY-MM-DD' and the epoch time it ends."""
    return budget_day(now, "UTC")


def utc_month(now: float) -> tuple[str, float]:
    """Return the UTC month of ``now`` as 'YYYY-MM' and the epoch time it ends."""
    return budget_month(now, "UTC")


def previous_month(now: float, tz: str = "UTC") -> str:
    """Return the month (in ``tz``) before the one ``now`` is in, as 'YYYY-MM'."""
    moment = datetime.fromtimestamp(now, tz=_zone_or_utc(tz)).replace(day=1)
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
        if policy.daily_uncapped:
            return NO_CAP
        base = self.daily_budget if policy.daily_budget is None else policy.daily_budget
        day, _ = budget_day(now, policy.timezone)
        return base + (policy.topup_amount if policy.topup_day == day else 0)

    def hourly(self, policy: GuildPolicy) -> int | None:
        """Return the videos per member per hour (None: no limit; 0 set by a moderator means none)."""
        hourly = policy.member_hourly if policy.member_hourly is not None else self.hourly_limit
        return hourly or None

    def admission(self, policy: GuildPolicy, now: float, *, exempt: bool = False) -> Admission:
        """Return the limits a job created at ``now`` must fit (``exempt``: no member limits)."""
        day, day_end = budget_day(now, policy.timezone)
        _, month_end = budget_month(now, policy.timezone)
        hourly = self.hourly(policy)
        return Admission(
            daily_cap=self.daily_cap(policy, now), day=day, day_resets_at=day_end,
            hourly_limit=None if exempt else hourly, hour_since=now - HOUR,
            monthly_cap=policy.monthly_budget, month_resets_at=month_end,
            daily_limit=None if exempt else policy.member_daily, day_start=day_end - 24 * HOUR,
            member_in_flight=None if exempt else policy.member_in_flight, server_in_flight=policy.server_in_flight,
        )  # fmt: skip

    async def quota(self, store: Store, policy: GuildPolicy, guild_id: int, user_id: int, now: float) -> Quota:
        """Return what is left for the member and the server, and when each resets."""
        day, day_end = budget_day(now, policy.timezone)
        month, month_end = budget_month(now, policy.timezone)
        hourly = self.hourly(policy)
        spent, used, oldest, used_today = await store.usage_snapshot(
            guild_id, user_id, day=day, hour_since=now - HOUR, day_start=day_end - 24 * HOUR
        )
        return Quota(
            guild_cap=self.daily_cap(policy, now), guild_spent=spent,
            guild_resets_at=day_end,
            member_limit=hourly, member_used=used,
            member_resets_at=(oldest + HOUR) if oldest is not None and hourly and used >= hourly else None,
            price=self.price, month_cap=policy.monthly_budget,
            month_spent=await store.spent_in_month(guild_id, month) if policy.monthly_budget is not None else 0,
            month_resets_at=month_end, member_daily_limit=policy.member_daily, member_used_today=used_today,
            guild_uncapped=policy.daily_uncapped,
        )  # fmt: skip
