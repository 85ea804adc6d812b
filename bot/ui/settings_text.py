"""A server's settings in the reader's words: single values, and "old → new" lines for the log channel."""

from __future__ import annotations

from collections.abc import Iterable

from bot.models import GuildPolicy, format_credits
from bot.ui.i18n import t

# Fields shown together: a change to either is one line in the log.
_GROUPS = {"daily_uncapped": "daily_budget", "topup_day": "topup_amount"}
_SILENT = frozenset({"locale"})  # follows the server's own setting in Discord; not a moderator's change


def credits(micros: int, lang: str) -> str:
    """Show an amount of credits: "2.5 credits", "2.5 积分"."""
    return t("mod.credits", lang, amount=format_credits(micros))


def on_off(value: bool, lang: str) -> str:
    """Show a switch."""
    return t("mod.on" if value else "mod.off", lang)


def mentions(ids: Iterable[int], fmt: str, lang: str, empty: str = "mod.none") -> str:
    """Show roles (<@&…>), channels (<#…>) or members (<@…>), or what an empty list means."""
    return t("mod.sep", lang).join(fmt.format(i) for i in ids) or t(empty, lang)


def daily_text(policy: GuildPolicy, lang: str, default: int | None = None) -> str:
    """Show the daily budget as set: an amount, the operator's default, or no cap."""
    if policy.daily_uncapped:
        return t("mod.no_daily_cap", lang)
    if policy.daily_budget is None:
        return (
            t("mod.operator_default", lang, amount=format_credits(default))
            if default is not None
            else t("mod.default", lang)
        )
    return credits(policy.daily_budget, lang)


def monthly_text(policy: GuildPolicy, lang: str) -> str:
    """Show the monthly budget as set."""
    return t("mod.no_monthly_cap", lang) if policy.monthly_budget is None else credits(policy.monthly_budget, lang)


def count_text(value: int | None, lang: str, *, none_means: str = "mod.unlimited") -> str:
    """Show a limit: a number, or what None (and, for limits, 0) means."""
    if value is None:
        return t(none_means, lang)
    return t("mod.unlimited", lang) if value == 0 else t("mod.videos", lang, n=value)


def field_value(policy: GuildPolicy, field: str, lang: str) -> str:
    """Show one field of the policy in the reader's words."""
    value = getattr(policy, field)
    if field == "daily_budget":
        return daily_text(policy, lang)
    if field == "monthly_budget":
        return monthly_text(policy, lang)
    if field == "topup_amount":
        return credits(policy.topup_amount, lang) if policy.topup_amount else t("mod.none", lang)
    if field == "prices":
        items = sorted(policy.prices.items())
        return t("mod.sep", lang).join(f"{m} {credits(p, lang)}" for m, p in items) or t("mod.default", lang)
    if field == "member_hourly":
        return count_text(policy.member_hourly, lang, none_means="mod.default")
    if field in {"member_daily", "member_in_flight", "server_in_flight"}:
        return count_text(value, lang)
    if field in {"exempt_roles", "trusted_roles"}:
        return mentions(value, "<@&{}>", lang)
    if field == "allowed_roles":
        return mentions(value, "<@&{}>", lang, "mod.everyone")
    if field == "allowed_channels":
        return mentions(value, "<#{}>", lang, "mod.every_channel")
    if field == "blocked":
        return mentions(value, "<@{}>", lang)
    if field == "blocklist":
        return t("mod.entries", lang, count=len(policy.blocklist))
    if field == "approval_expire_h":
        return t("mod.hours", lang, hours=f"{policy.approval_expire_h:g}")
    if field == "log_channel":
        return f"<#{value}>" if value else t("mod.none", lang)
    if isinstance(value, bool):
        return on_off(value, lang)
    return str(value)


def setting_changes(detail: dict[str, object], lang: str, *, by: int) -> list[str]:
    """Return one "⚙️ @who changed what: old → new" line per setting that changed."""
    before, after = detail.get("before"), detail.get("after")
    if not isinstance(before, GuildPolicy) or not isinstance(after, GuildPolicy):
        return []
    fields = [str(f) for f in detail.get("fields", ()) or ()]  # type: ignore[attr-defined]
    lines: list[str] = []
    for field in dict.fromkeys(_GROUPS.get(f, f) for f in fields if f not in _SILENT):
        old, new = field_value(before, field, lang), field_value(after, field, lang)
        if old != new:
            lines.append(t("log.setting", lang, by=by, what=t(f"field.{field}", lang), old=old, new=new))
    return lines
