"""/reelbot-mod: budgets, prices, limits, the budget day, and every setting in one view. Roles,
channels, blocks, the blocklist, approval and the log channel are in _rules.py; usage reports and job
lookup in _reports.py. Manage Server by default, and checked at run time too.

Replies follow the moderator's own language; the log channel follows the server's.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import ReelBot
from bot.models import GuildPolicy, credits_to_micros
from bot.services import Services
from bot.spending.budget import NO_CAP, budget_day, budget_month, zone
from bot.ui.i18n import command, language, t
from bot.ui.replies import say_privately
from bot.ui.settings_text import credits, daily_text, mentions, monthly_text, on_off
from cogs.moderation._models import ModelCommands, _model_names
from cogs.moderation._reports import ReportCommands
from cogs.moderation._rules import RuleCommands

AmountError = (ValueError, ArithmeticError)
# Keywords a moderator may type instead of an amount, in each language we speak.
DEFAULT_WORDS = frozenset({"default", "默认", "默認", "預設"})
OFF_WORDS = frozenset({"off", "none", "no", "关", "关闭", "關", "關閉", "无", "無", "不限"})
UNDO_WORDS = frozenset({"undo", "撤销", "撤銷", "取消"}) | OFF_WORDS


def _keyword(text: str) -> str:
    return text.strip().lower()


def _amount(text: str) -> int:
    """Parse credits (ValueError or ArithmeticError for anything else)."""
    return credits_to_micros(text.strip())


@app_commands.default_permissions(manage_guild=True)
@app_commands.guild_only()
class Moderators(
    RuleCommands,
    ReportCommands,
    ModelCommands,
    commands.GroupCog,
    group_name="reelbot-mod",
    group_description="Moderate reelbot in this server",
):
    """Commands for moderators (Manage Server by default, or whoever the server grants /reelbot-mod)."""

    def __init__(self, bot: ReelBot) -> None:
        assert bot.services is not None
        self.bot = bot
        self.services: Services = bot.services
        super().__init__()

    async def _policy(self, interaction: discord.Interaction) -> tuple[GuildPolicy, str]:
        """Return the server's policy and the moderator's language (remembering the server's for the log)."""
        assert interaction.guild_id is not None
        policy = await self.services.jobs.policy(interaction.guild_id)
        server = language(interaction.guild_locale) if interaction.guild_locale else policy.locale
        if server != policy.locale:
            policy = await self._save(interaction, "server language", locale=server)
        return policy, language(interaction.locale)

    async def _save(self, interaction: discord.Interaction, what: str, **changes: Any) -> GuildPolicy:
        assert interaction.guild_id is not None
        return await self.services.jobs.update_policy(
            interaction.guild_id, by=interaction.user.id, what=what, **changes
        )

    async def _change(
        self, interaction: discord.Interaction, what: str, change: Callable[[GuildPolicy], Mapping[str, Any]]
    ) -> GuildPolicy:
        """Change fields computed from the rules as stored at that moment (so concurrent changes add up)."""
        assert interaction.guild_id is not None
        return await self.services.jobs.update_policy(
            interaction.guild_id, by=interaction.user.id, what=what, change=change
        )

    def _prices(self, policy: GuildPolicy, lang: str) -> str:
        spending = self.services.jobs._spending
        settings = self.services.settings
        names = [m.name for m in settings.catalogue.offered(settings.video_api_base)]
        return t("mod.sep", lang).join(f"{m} {credits(spending.price_for(policy, m), lang)}" for m in names)

    async def _spent(self, guild_id: int, policy: GuildPolicy) -> tuple[int, int]:
        """Return what the server has spent in its budget day and month so far."""
        now = discord.utils.utcnow().timestamp()
        store = self.services.store
        day = await store.spent(guild_id, budget_day(now, policy.timezone)[0])
        return day, await store.spent_in_month(guild_id, budget_month(now, policy.timezone)[0])

    def _left(self, cap: int, spent: int, lang: str) -> str:
        return t("mod.unlimited", lang) if cap >= NO_CAP else credits(max(0, cap - spent), lang)

    async def _budget_now(self, interaction: discord.Interaction, policy: GuildPolicy, lang: str) -> str:
        assert interaction.guild_id is not None
        spending, now = self.services.jobs._spending, discord.utils.utcnow().timestamp()
        day_spent, month_spent = await self._spent(interaction.guild_id, policy)
        day, _ = budget_day(now, policy.timezone)
        topup = (
            t("mod.budget_topup", lang, amount=credits(policy.topup_amount, lang))
            if policy.topup_day == day and policy.topup_amount and not policy.daily_uncapped
            else ""
        )
        monthly = monthly_text(policy, lang)
        if policy.monthly_budget is not None:
            monthly = t("mod.budget_month", lang, cap=monthly, spent=credits(month_spent, lang))
        return t(
            "mod.budget_show",
            lang,
            daily=daily_text(policy, lang, spending.daily_budget),
            spent=credits(day_spent, lang),
            left=self._left(spending.daily_cap(policy, now), day_spent, lang),
            topup=topup,
            monthly=monthly,
            prices=self._prices(policy, lang),
        )

    @app_commands.command(name="budget", description="Show or set the daily and monthly budgets, or top up today")
    @app_commands.describe(
        daily="Credits per day; 'default': the operator's default; 'off': no daily cap at all",
        monthly="Credits per month; 'off': no monthly cap",
        topup="Extra credits for today only; '-2' takes 2 back; 'undo' removes today's top-up",
    )
    async def budget(
        self,
        interaction: discord.Interaction,
        daily: app_commands.Range[str, 1, 30] | None = None,
        monthly: app_commands.Range[str, 1, 30] | None = None,
        topup: app_commands.Range[str, 1, 30] | None = None,
    ) -> None:
        """Show the budgets, or change them (every value is checked before anything is saved)."""
        policy, lang = await self._policy(interaction)
        changes: dict[str, object] = {}
        notes: list[str] = []
        current = ""
        try:
            if daily is not None:
                current = daily
                if _keyword(daily) in DEFAULT_WORDS:
                    changes.update(daily_budget=None, daily_uncapped=False)
                elif _keyword(daily) in OFF_WORDS:
                    changes.update(daily_uncapped=True)
                else:
                    changes.update(daily_budget=_amount(daily), daily_uncapped=False)
            if monthly is not None:
                current = monthly
                off = _keyword(monthly) in OFF_WORDS | DEFAULT_WORDS
                changes.update(monthly_budget=None if off else _amount(monthly))
            delta: int | None = None  # a top-up: added to (or taken from) today's as stored; None: undo
            if topup is not None:
                current = topup
                if _keyword(topup) in UNDO_WORDS:
                    notes.append(t("mod.topup_undone", lang))
                elif topup.strip().startswith("-"):
                    delta = -_amount(topup.strip()[1:])
                else:
                    delta = _amount(topup)
        except AmountError:
            await say_privately(interaction, t("mod.not_amount", lang, value=discord.utils.escape_markdown(current)))
            return

        def with_topup(stored: GuildPolicy) -> dict[str, object]:
            if topup is None:
                return dict(changes)
            day, _ = budget_day(discord.utils.utcnow().timestamp(), stored.timezone)
            already = stored.topup_amount if stored.topup_day == day else 0
            total = 0 if delta is None else max(0, already + delta)
            return {**changes, "topup_day": day, "topup_amount": total}

        if changes or topup is not None:
            policy = await self._change(interaction, "budget", with_topup)
        text = "\n".join([*notes, await self._budget_now(interaction, policy, lang)])
        await say_privately(interaction, t("mod.saved", lang, summary=text) if changes or topup is not None else text)

    @app_commands.command(name="price", description="Set the price of one model in this server")
    @app_commands.describe(model="The model", amount="Credits per video, or 'default'")
    @app_commands.autocomplete(model=_model_names)
    async def price(self, interaction: discord.Interaction, model: str, amount: app_commands.Range[str, 1, 30]) -> None:
        """Set what one video with a model costs here."""
        policy, lang = await self._policy(interaction)
        catalogue = self.services.settings.catalogue
        if catalogue.get(model) is None:
            listed = t("mod.sep", lang).join(f"`{n}`" for n in catalogue.models)
            await say_privately(interaction, t("mod.model_unknown", lang, value=model[:40], models=listed))
            return
        prices = {k: v for k, v in policy.prices.items() if k != model}
        if _keyword(amount) not in DEFAULT_WORDS:
            try:
                prices[model] = _amount(amount)
            except AmountError:
                value = discord.utils.escape_markdown(amount[:30])
                await say_privately(interaction, t("mod.not_amount", lang, value=value))
                return
        policy = await self._save(interaction, f"the price of {model}", prices=prices)
        await say_privately(
            interaction, t("mod.saved", lang, summary=await self._budget_now(interaction, policy, lang))
        )

    @app_commands.command(name="limits", description="Show or set per-member and per-server limits (0 = no limit)")
    @app_commands.describe(
        per_hour="Videos per member per hour (0 = no limit)",
        per_day="Videos per member per day (0 = no limit)",
        member_at_once="Videos one member may have in progress (0 = no limit)",
        server_at_once="Videos the server may have in progress (0 = no limit)",
        defaults="Put every limit back to the operator's defaults",
    )
    async def limits(
        self,
        interaction: discord.Interaction,
        per_hour: app_commands.Range[int, 0, 1000] | None = None,
        per_day: app_commands.Range[int, 0, 10000] | None = None,
        member_at_once: app_commands.Range[int, 0, 100] | None = None,
        server_at_once: app_commands.Range[int, 0, 1000] | None = None,
        defaults: bool = False,
    ) -> None:
        """Show the limits, or change them."""
        policy, lang = await self._policy(interaction)
        fields = ("member_hourly", "member_daily", "member_in_flight", "server_in_flight")
        values = (per_hour, per_day, member_at_once, server_at_once)
        changes: dict[str, object] = dict.fromkeys(fields) if defaults else {}
        for key, value in zip(fields, values, strict=True):
            if value is not None:  # 0 is "no limit": kept as 0 for the hourly limit (None there is the default)
                changes[key] = value if key == "member_hourly" else (value or None)
        if changes:
            policy = await self._save(interaction, "limits", **changes)
        text = self._limits_text(policy, lang)
        if defaults:
            text = t("mod.limits_reset", lang) + "\n" + text
        await say_privately(interaction, t("mod.saved", lang, summary=text) if changes else text)

    def _limits_values(self, policy: GuildPolicy, lang: str) -> dict[str, str]:
        def show(value: int | None) -> str:
            return t("mod.unlimited", lang) if not value else t("mod.videos", lang, n=value)

        return {
            "hourly": show(self.services.jobs._spending.hourly(policy)),
            "daily": show(policy.member_daily),
            "member_flight": show(policy.member_in_flight),
            "server_flight": show(policy.server_in_flight),
        }

    def _limits_text(self, policy: GuildPolicy, lang: str) -> str:
        exempt = mentions(policy.exempt_roles, "<@&{}>", lang)
        return t("mod.limits_show", lang, exempt=exempt, **self._limits_values(policy, lang))

    @app_commands.command(name="timezone", description="Choose when this server's budget day starts")
    @app_commands.describe(zone_name="A time zone such as Asia/Shanghai, or an offset such as +08:00 (default UTC)")
    @app_commands.rename(zone_name="zone")
    async def timezone(self, interaction: discord.Interaction, zone_name: app_commands.Range[str, 1, 64]) -> None:
        """Set the time zone whose midnight starts the budget day (and month)."""
        _, lang = await self._policy(interaction)
        try:
            where = zone(zone_name)
        except ValueError:
            value = discord.utils.escape_markdown(zone_name[:64])
            await say_privately(interaction, t("mod.timezone_invalid", lang, value=value))
            return
        policy = await self._save(interaction, "time zone", timezone=zone_name.strip())
        now = discord.utils.utcnow().timestamp()
        _, resets = budget_day(now, policy.timezone)
        local = datetime.fromtimestamp(now, tz=where).strftime("%Y-%m-%d %H:%M")
        text = t("mod.timezone_saved", lang, zone=policy.timezone, now=local, reset=f"<t:{int(resets)}:R>")
        await say_privately(interaction, text)

    @app_commands.command(name="settings", description="Show every reelbot setting for this server")
    async def settings(self, interaction: discord.Interaction) -> None:
        """Show the budgets, limits and rules in one place, each with the command that changes it."""
        assert interaction.guild_id is not None
        policy, lang = await self._policy(interaction)
        spending, now = self.services.jobs._spending, discord.utils.utcnow().timestamp()
        day_spent, month_spent = await self._spent(interaction.guild_id, policy)
        day, _ = budget_day(now, policy.timezone)
        month, _ = budget_month(now, policy.timezone)
        _, pending = await self.services.store.pending_jobs(interaction.guild_id, limit=0)
        mod = "reelbot-mod"

        def change(*paths: tuple[str, ...]) -> str:
            shown = (command(lang, mod, p[0], option=p[1] if len(p) > 1 else None) for p in paths)
            return "\n" + t("mod.change", lang, commands=" · ".join(shown))

        embed = discord.Embed(title=t("mod.settings_title", lang), colour=0x5865F2)
        topup = (
            t("mod.budget_topup", lang, amount=credits(policy.topup_amount, lang))
            if policy.topup_day == day and policy.topup_amount and not policy.daily_uncapped
            else ""
        )
        day_value = t(
            "mod.settings_budget_day_value",
            lang,
            cap=daily_text(policy, lang, spending.daily_budget),
            spent=credits(day_spent, lang),
            left=self._left(spending.daily_cap(policy, now), day_spent, lang),
            topup=topup,
        )
        month_cap = policy.monthly_budget
        month_value = t(
            "mod.settings_budget_month_value",
            lang,
            cap=monthly_text(policy, lang),
            spent=credits(month_spent, lang),
            left=self._left(NO_CAP if month_cap is None else month_cap, month_spent, lang),
        )
        limits = t("mod.settings_limits_value", lang, **self._limits_values(policy, lang))
        roles = t(
            "mod.settings_roles_value",
            lang,
            allowed=mentions(policy.allowed_roles, "<@&{}>", lang, "mod.everyone"),
            trusted=mentions(policy.trusted_roles, "<@&{}>", lang),
            exempt=mentions(policy.exempt_roles, "<@&{}>", lang),
        )
        channels = t(
            "mod.settings_channels_value",
            lang,
            channels=mentions(policy.allowed_channels, "<#{}>", lang, "mod.every_channel"),
            nsfw=on_off(policy.animate_nsfw_only, lang),
        )
        approval = t(
            "mod.settings_approval_value",
            lang,
            approval=on_off(policy.approval, lang),
            expire=t("mod.hours", lang, hours=f"{policy.approval_expire_h:g}"),
            pending=pending,
        )
        blocks = t("mod.settings_blocks_value", lang, blocked=len(policy.blocked), blocklist=len(policy.blocklist))
        local = datetime.fromtimestamp(now, tz=zone(policy.timezone)).strftime("%H:%M")
        fields = (
            (t("mod.settings_budget_day", lang, day=day), day_value + change(("budget", "daily"), ("budget", "topup"))),
            (t("mod.settings_budget_month", lang, month=month), month_value + change(("budget", "monthly"))),
            (t("mod.settings_prices", lang), self._prices(policy, lang) + change(("price",))),
            (t("mod.settings_limits", lang), limits + change(("limits",))),
            (t("mod.settings_roles", lang), roles + change(("role",))),
            (t("mod.settings_channels", lang), channels + change(("channel",), ("animate-nsfw-only",))),
            (t("mod.settings_approval", lang), approval + change(("approval",), ("pending",))),
            (
                t("mod.settings_log", lang),
                (f"<#{policy.log_channel}>" if policy.log_channel else t("mod.none", lang)) + change(("log-channel",)),
            ),
            (t("mod.settings_blocks", lang), blocks + change(("block",), ("unblock",), ("blocklist",))),
            (
                t("mod.settings_timezone", lang),
                t("mod.settings_timezone_value", lang, zone=policy.timezone, now=local) + change(("timezone",)),
            ),
        )
        for name, value in fields:
            embed.add_field(name=name, value=value[:1024], inline=False)
        await interaction.response.send_message(embed=embed, ephemeral=True)
