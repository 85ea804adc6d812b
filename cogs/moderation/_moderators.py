"""/reelbot-mod: budgets, prices, limits, roles, channels, blocks, the blocklist, approval mode, the
log channel, usage reports and job lookup. Manage Server by default, and checked at run time too."""

from __future__ import annotations

from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import ReelBot, Services
from bot.models import GuildPolicy, credits_to_micros, format_credits
from bot.moderation.policy import validate_pattern
from bot.spending.budget import utc_day, utc_month
from bot.ui.i18n import language, t
from bot.ui.intake import is_moderator
from bot.ui.replies import say_privately
from cogs.moderation._models import ModelCommands, _model_names
from cogs.moderation._reports import ReportCommands

AmountError = (ValueError, ArithmeticError)


def _amount(text: str) -> int | None:
    """Parse credits; "default", "off" and "none" mean None."""
    if text.strip().lower() in {"default", "off", "none"}:
        return None
    return credits_to_micros(text)


def _ids(items: tuple[int, ...], fmt: str, lang: str) -> str:
    return ", ".join(fmt.format(i) for i in items) or t("mod.none", lang)


@app_commands.default_permissions(manage_guild=True)
@app_commands.guild_only()
class Moderators(
    ReportCommands,
    ModelCommands,
    commands.GroupCog,
    group_name="reelbot-mod",
    group_description="Moderate reelbot in this server",
):
    """Commands for moderators (Manage Server by default)."""

    def __init__(self, bot: ReelBot) -> None:
        assert bot.services is not None
        self.services: Services = bot.services
        super().__init__()

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        """Enforce Manage Server at run time too (an admin may have changed Discord's default)."""
        if is_moderator(interaction.permissions):
            return True
        await say_privately(interaction, t("mod.only_moderators", language(interaction.locale)))
        return False

    async def _policy(self, interaction: discord.Interaction) -> tuple[GuildPolicy, str]:
        """Return the server's policy and language (remembering the server's language for the log)."""
        assert interaction.guild_id is not None
        policy = await self.services.jobs.policy(interaction.guild_id)
        lang = language(interaction.guild_locale) if interaction.guild_locale else policy.locale
        if lang != policy.locale:
            policy = await self.services.jobs.update_policy(
                interaction.guild_id, by=interaction.user.id, what="server language", locale=lang
            )
        return policy, lang

    async def _save(self, interaction: discord.Interaction, what: str, **changes: object) -> GuildPolicy:
        assert interaction.guild_id is not None
        return await self.services.jobs.update_policy(
            interaction.guild_id, by=interaction.user.id, what=what, **changes
        )

    def _budget_text(self, policy: GuildPolicy, lang: str, day_spent: int, month_spent: int) -> str:
        spending, now = self.services.jobs._spending, discord.utils.utcnow().timestamp()
        day, _ = utc_day(now)
        topup = (
            t("mod.budget_topup", lang, amount=format_credits(policy.topup_amount))
            if policy.topup_day == day and policy.topup_amount
            else ""
        )
        monthly = (
            t("mod.budget_month", lang, cap=format_credits(policy.monthly_budget), spent=format_credits(month_spent))
            if policy.monthly_budget is not None
            else t("mod.budget_no_month", lang)
        )
        settings = self.services.settings
        names = [m.name for m in settings.catalogue.offered(settings.video_api_base)]
        prices = ", ".join(f"{m} {format_credits(spending.price_for(policy, m))}" for m in names)
        return t(
            "mod.budget_show",
            lang,
            daily=format_credits(spending.daily_cap(policy, now)),
            spent=format_credits(day_spent),
            topup=topup,
            monthly=monthly,
            prices=prices,
        )

    async def _budget_now(self, interaction: discord.Interaction, policy: GuildPolicy, lang: str) -> str:
        assert interaction.guild_id is not None
        now = discord.utils.utcnow().timestamp()
        store = self.services.store
        return self._budget_text(
            policy,
            lang,
            await store.spent(interaction.guild_id, utc_day(now)[0]),
            await store.spent_in_month(interaction.guild_id, utc_month(now)[0]),
        )

    @app_commands.command(name="budget", description="Show or set the daily and monthly budgets, or top up today")
    @app_commands.describe(
        daily="Credits per UTC day, or 'default'",
        monthly="Credits per UTC month, or 'off'",
        topup="Extra credits for today only",
    )
    async def budget(
        self,
        interaction: discord.Interaction,
        daily: str | None = None,
        monthly: str | None = None,
        topup: str | None = None,
    ) -> None:
        """Show the budgets, or change them."""
        policy, lang = await self._policy(interaction)
        try:
            if daily is not None:
                policy = await self._save(interaction, "daily budget", daily_budget=_amount(daily))
            if monthly is not None:
                policy = await self._save(interaction, "monthly budget", monthly_budget=_amount(monthly))
            if topup is not None:
                day, _ = utc_day(discord.utils.utcnow().timestamp())
                extra = _amount(topup) or 0
                already = policy.topup_amount if policy.topup_day == day else 0
                policy = await self._save(interaction, "today's top-up", topup_day=day, topup_amount=already + extra)
        except AmountError:
            bad = next(v for v in (daily, monthly, topup) if v is not None)
            await say_privately(interaction, t("mod.not_amount", lang, value=discord.utils.escape_markdown(bad[:40])))
            return
        text = await self._budget_now(interaction, policy, lang)
        changed = any(v is not None for v in (daily, monthly, topup))
        await say_privately(interaction, t("mod.saved", lang, summary=text) if changed else text)

    @app_commands.command(name="price", description="Set the price of one model in this server")
    @app_commands.describe(model="The model", amount="Credits per video, or 'default'")
    @app_commands.autocomplete(model=_model_names)
    async def price(self, interaction: discord.Interaction, model: str, amount: str) -> None:
        """Set what one video with a model costs here."""
        policy, lang = await self._policy(interaction)
        catalogue = self.services.settings.catalogue
        if catalogue.get(model) is None:
            listed = ", ".join(f"`{n}`" for n in catalogue.models)
            await say_privately(interaction, t("mod.model_unknown", lang, value=model[:40], models=listed))
            return
        try:
            value = _amount(amount)
        except AmountError:
            await say_privately(
                interaction, t("mod.not_amount", lang, value=discord.utils.escape_markdown(amount[:40]))
            )
            return
        prices = {k: v for k, v in policy.prices.items() if k != model}
        if value is not None:
            prices[model] = value
        policy = await self._save(interaction, f"the price of {model}", prices=prices)
        await say_privately(
            interaction, t("mod.saved", lang, summary=await self._budget_now(interaction, policy, lang))
        )

    @app_commands.command(name="limits", description="Show or set per-member and per-server limits (0 = no limit)")
    @app_commands.describe(
        per_hour="Videos per member per hour",
        per_day="Videos per member per UTC day",
        member_at_once="Videos one member may have in progress",
        server_at_once="Videos the server may have in progress",
    )
    async def limits(
        self,
        interaction: discord.Interaction,
        per_hour: app_commands.Range[int, 0, 1000] | None = None,
        per_day: app_commands.Range[int, 0, 10000] | None = None,
        member_at_once: app_commands.Range[int, 0, 100] | None = None,
        server_at_once: app_commands.Range[int, 0, 1000] | None = None,
    ) -> None:
        """Show the limits, or change them."""
        policy, lang = await self._policy(interaction)
        changes = {
            key: (value or None)
            for key, value in (
                ("member_hourly", per_hour),
                ("member_daily", per_day),
                ("member_in_flight", member_at_once),
                ("server_in_flight", server_at_once),
            )
            if value is not None
        }
        if changes:
            policy = await self._save(interaction, "limits", **changes)
        await say_privately(interaction, self._limits_text(policy, lang))

    def _limits_text(self, policy: GuildPolicy, lang: str) -> str:
        def show(value: int | None) -> str:
            return t("mod.unlimited", lang) if value is None else str(value)

        hourly = policy.member_hourly if policy.member_hourly is not None else self.services.settings.user_hourly_limit
        return t(
            "mod.limits_show",
            lang,
            hourly=show(hourly),
            daily=show(policy.member_daily),
            member_flight=show(policy.member_in_flight),
            server_flight=show(policy.server_in_flight),
            exempt=_ids(policy.exempt_roles, "<@&{}>", lang),
        )

    @app_commands.command(name="role", description="Exempt, allow or trust a role (or take it back)")
    @app_commands.describe(
        role="The role",
        kind="exempt: no member limits; allowed: may generate (none set = everyone); trusted: skips approval",
        remove="Take the role off that list",
    )
    async def role(
        self,
        interaction: discord.Interaction,
        role: discord.Role,
        kind: Literal["exempt", "allowed", "trusted"],
        remove: bool = False,
    ) -> None:
        """Add a role to (or remove it from) a list."""
        policy, lang = await self._policy(interaction)
        field = f"{kind}_roles"
        current = [r for r in getattr(policy, field) if r != role.id]
        if not remove:
            current.append(role.id)
        policy = await self._save(interaction, f"{kind} roles", **{field: tuple(current)})
        await say_privately(interaction, t("mod.saved", lang, summary=self._settings_line(policy, lang)))

    @app_commands.command(name="channel", description="Allow videos in a channel (none set = every channel)")
    @app_commands.describe(channel="The channel", remove="Take the channel off the list")
    async def channel(
        self, interaction: discord.Interaction, channel: discord.TextChannel, remove: bool = False
    ) -> None:
        """Add a channel to (or remove it from) the allowed channels."""
        policy, lang = await self._policy(interaction)
        current = [c for c in policy.allowed_channels if c != channel.id]
        if not remove:
            current.append(channel.id)
        policy = await self._save(interaction, "allowed channels", allowed_channels=tuple(current))
        await say_privately(interaction, t("mod.saved", lang, summary=self._settings_line(policy, lang)))

    @app_commands.command(name="animate-nsfw-only", description="Allow /animate only in age-restricted channels")
    async def animate_nsfw_only(self, interaction: discord.Interaction, enabled: bool) -> None:
        """Turn the age-restricted-only rule for animations on or off."""
        _, lang = await self._policy(interaction)
        policy = await self._save(interaction, "age-restricted animations", animate_nsfw_only=enabled)
        await say_privately(interaction, t("mod.saved", lang, summary=self._settings_line(policy, lang)))

    @app_commands.command(name="block", description="Stop a member from making videos here")
    @app_commands.describe(member="Who", reason="Shown to them when they try")
    async def block(
        self, interaction: discord.Interaction, member: discord.User, reason: app_commands.Range[str, 1, 200]
    ) -> None:
        """Block a member, with a reason they will see."""
        policy, lang = await self._policy(interaction)
        await self._save(interaction, "blocked members", blocked={**policy.blocked, member.id: reason})
        await self.services.jobs.modlog.event(
            interaction.guild_id or 0, "blocked", by=interaction.user.id, detail={"reason": reason}
        )
        await say_privately(interaction, t("mod.blocked_done", lang, who=member.mention, reason=reason))

    @app_commands.command(name="unblock", description="Let a blocked member make videos again")
    async def unblock(self, interaction: discord.Interaction, member: discord.User) -> None:
        """Unblock a member."""
        policy, lang = await self._policy(interaction)
        if member.id not in policy.blocked:
            await say_privately(interaction, t("mod.not_blocked", lang, who=member.mention))
            return
        await self._save(
            interaction, "blocked members", blocked={k: v for k, v in policy.blocked.items() if k != member.id}
        )
        await say_privately(interaction, t("mod.unblocked_done", lang, who=member.mention))

    @app_commands.command(name="blocklist", description="Add, remove or list blocked words and patterns")
    @app_commands.describe(
        action="add, remove or show",
        pattern="A word, or a regular expression",
        regex="Treat the pattern as a regular expression",
    )
    async def blocklist(
        self,
        interaction: discord.Interaction,
        action: Literal["add", "remove", "show"],
        pattern: str | None = None,
        regex: bool = False,
    ) -> None:
        """Manage the prompt blocklist (checked before any money moves)."""
        policy, lang = await self._policy(interaction)
        if action == "show" or not pattern:
            items = ", ".join(f"`{w.pattern}`" + ("ʳ" if w.is_regex else "") for w in policy.blocklist)
            await say_privately(interaction, t("mod.blocklist_show", lang, items=items or t("mod.none", lang)))
            return
        if action == "remove":
            kept = tuple(w for w in policy.blocklist if w.pattern != pattern)
            if len(kept) == len(policy.blocklist):
                await say_privately(interaction, t("mod.blocklist_missing", lang, pattern=pattern))
                return
            await self._save(interaction, "the blocklist", blocklist=kept)
            await say_privately(interaction, t("mod.blocklist_removed", lang, pattern=pattern))
            return
        try:
            word = validate_pattern(pattern, is_regex=regex)
        except ValueError as exc:
            await say_privately(interaction, t("mod.blocklist_invalid", lang, reason=str(exc)))
            return
        await self._save(interaction, "the blocklist", blocklist=(*policy.blocklist, word))
        kind = t("mod.blocklist_regex", lang) if regex else ""
        await say_privately(interaction, t("mod.blocklist_added", lang, pattern=word.pattern, kind=kind))

    @app_commands.command(name="approval", description="Require a moderator's approval for untrusted members")
    @app_commands.describe(enabled="On or off", expire_hours="Unapproved requests expire after this many hours")
    async def approval(
        self,
        interaction: discord.Interaction,
        enabled: bool,
        expire_hours: app_commands.Range[float, 0.05, 720.0] | None = None,
    ) -> None:
        """Turn approval mode on or off."""
        policy, lang = await self._policy(interaction)
        changes: dict[str, object] = {"approval": enabled}
        if expire_hours is not None:
            changes["approval_expire_h"] = float(expire_hours)
        policy = await self._save(interaction, "approval mode", **changes)
        await say_privately(interaction, t("mod.saved", lang, summary=self._settings_line(policy, lang)))

    @app_commands.command(name="log-channel", description="Where reelbot reports to moderators (empty: nowhere)")
    async def log_channel(self, interaction: discord.Interaction, channel: discord.TextChannel | None = None) -> None:
        """Set or clear the log channel."""
        _, lang = await self._policy(interaction)
        policy = await self._save(interaction, "the log channel", log_channel=channel.id if channel else None)
        await say_privately(interaction, t("mod.saved", lang, summary=self._settings_line(policy, lang)))

    @app_commands.command(name="settings", description="Show every reelbot setting for this server")
    async def settings(self, interaction: discord.Interaction) -> None:
        """Show the budgets, limits and rules in one place."""
        policy, lang = await self._policy(interaction)
        embed = discord.Embed(
            title=t("mod.settings_title", lang),
            colour=0x5865F2,
            description="\n\n".join(
                (
                    await self._budget_now(interaction, policy, lang),
                    self._limits_text(policy, lang),
                    self._settings_line(policy, lang),
                )
            ),
        )
        await interaction.response.send_message(embed=embed, ephemeral=True)

    def _settings_line(self, policy: GuildPolicy, lang: str) -> str:
        lines = [
            f"allowed roles: {_ids(policy.allowed_roles, '<@&{}>', lang)}",
            f"trusted roles: {_ids(policy.trusted_roles, '<@&{}>', lang)}",
            f"exempt roles: {_ids(policy.exempt_roles, '<@&{}>', lang)}",
            f"channels: {_ids(policy.allowed_channels, '<#{}>', lang)}",
            f"animate only in age-restricted channels: {'on' if policy.animate_nsfw_only else 'off'}",
            f"approval: {'on' if policy.approval else 'off'} ({policy.approval_expire_h:g} h)",
            f"log channel: {f'<#{policy.log_channel}>' if policy.log_channel else t('mod.none', lang)}",
            f"blocked members: {len(policy.blocked)} · blocklist entries: {len(policy.blocklist)}",
            (
                f"models: {', '.join(policy.models) or 'all'} · default: {policy.default_model or 'VIDEO_MODEL'}"
                f" · expensive options off: {', '.join(policy.forbidden) or t('mod.none', lang)}"
            ),
        ]
        return "\n".join(lines)
