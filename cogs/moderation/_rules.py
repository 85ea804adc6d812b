"""/reelbot-mod role, channel, animate-nsfw-only, block, unblock, blocklist, approval, log-channel and
pending: who may generate, where and what (a mixin of the Moderators cog)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Literal

import discord
from discord import app_commands

from bot.models import BlockedWord, GuildPolicy, format_credits
from bot.moderation.policy import InvalidPattern, split_words, validate_pattern
from bot.ui.i18n import command, t
from bot.ui.modlog import jump_url
from bot.ui.replies import say_privately
from bot.ui.settings_text import mentions, on_off
from bot.ui.text import options_summary, ts

if TYPE_CHECKING:
    from bot.app import ReelBot
    from bot.services import Services

MESSAGE_MAX = 2000  # Discord's limit on a bot's message content


def pages(head: str, lines: list[str], limit: int = MESSAGE_MAX) -> list[str]:
    """Pack a heading and lines into as few messages as Discord allows, never splitting a line."""
    out, current = [], head
    for line in lines:
        line = line[: limit - 1]
        if len(current) + 1 + len(line) > limit:
            out.append(current)
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    out.append(current)
    return out


def _code(text: str) -> str:
    return "`" + text.replace("`", "ˋ") + "`"


class RuleCommands:
    """Rules of who, where and what; the Moderators cog supplies services and the permission check."""

    services: Services
    bot: ReelBot

    async def _policy(self, interaction: discord.Interaction) -> tuple[GuildPolicy, str]:
        raise NotImplementedError

    async def _save(self, interaction: discord.Interaction, what: str, **changes: Any) -> GuildPolicy:
        raise NotImplementedError

    async def _change(
        self, interaction: discord.Interaction, what: str, change: Callable[[GuildPolicy], Mapping[str, Any]]
    ) -> GuildPolicy:
        raise NotImplementedError

    def _rules_text(self, policy: GuildPolicy, lang: str) -> str:
        log = f"<#{policy.log_channel}>" if policy.log_channel else t("mod.none", lang)
        return t(
            "mod.rules_show",
            lang,
            allowed=mentions(policy.allowed_roles, "<@&{}>", lang, "mod.everyone"),
            trusted=mentions(policy.trusted_roles, "<@&{}>", lang),
            exempt=mentions(policy.exempt_roles, "<@&{}>", lang),
            channels=mentions(policy.allowed_channels, "<#{}>", lang, "mod.every_channel"),
            nsfw=on_off(policy.animate_nsfw_only, lang),
            approval=on_off(policy.approval, lang),
            expire=t("mod.hours", lang, hours=f"{policy.approval_expire_h:g}"),
            log=log,
            blocked=len(policy.blocked),
            blocklist=t("mod.entries", lang, count=len(policy.blocklist)),
        )

    async def _saved(self, interaction: discord.Interaction, policy: GuildPolicy, lang: str) -> None:
        await say_privately(interaction, t("mod.saved", lang, summary=self._rules_text(policy, lang)))

    @app_commands.command(  # type: ignore[type-var]  # a mixin: the Moderators cog is the real owner
        name="role", description="Exempt, allow or trust a role (or take it back)"
    )
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
        _, lang = await self._policy(interaction)
        field = f"{kind}_roles"

        def toggle(stored: GuildPolicy) -> dict[str, object]:
            kept = [r for r in getattr(stored, field) if r != role.id]
            return {field: tuple(kept if remove else [*kept, role.id])}

        policy = await self._change(interaction, f"{kind} roles", toggle)
        await self._saved(interaction, policy, lang)

    @app_commands.command(  # type: ignore[type-var]
        name="channel", description="Allow videos in a channel (none set = every channel)"
    )
    @app_commands.describe(channel="The channel", remove="Take the channel off the list")
    async def channel(
        self,
        interaction: discord.Interaction,
        channel: discord.TextChannel | discord.ForumChannel,
        remove: bool = False,
    ) -> None:
        """Add a channel to (or remove it from) the allowed channels."""
        _, lang = await self._policy(interaction)

        def toggle(stored: GuildPolicy) -> dict[str, object]:
            kept = [c for c in stored.allowed_channels if c != channel.id]
            return {"allowed_channels": tuple(kept if remove else [*kept, channel.id])}

        policy = await self._change(interaction, "allowed channels", toggle)
        await self._saved(interaction, policy, lang)

    @app_commands.command(  # type: ignore[type-var]
        name="animate-nsfw-only", description="Allow /animate only in age-restricted channels"
    )
    @app_commands.describe(enabled="On or off")
    async def animate_nsfw_only(self, interaction: discord.Interaction, enabled: bool) -> None:
        """Turn the age-restricted-only rule for animations on or off."""
        _, lang = await self._policy(interaction)
        policy = await self._save(interaction, "age-restricted animations", animate_nsfw_only=enabled)
        await self._saved(interaction, policy, lang)

    @app_commands.command(  # type: ignore[type-var]
        name="block", description="Stop a member from making videos here"
    )
    @app_commands.describe(member="Who", reason="Shown to them when they try")
    async def block(
        self, interaction: discord.Interaction, member: discord.User, reason: app_commands.Range[str, 1, 200]
    ) -> None:
        """Block a member, with a reason they will see."""
        _, lang = await self._policy(interaction)
        await self._change(
            interaction, "blocked members", lambda stored: {"blocked": {**stored.blocked, member.id: reason}}
        )
        await say_privately(interaction, t("mod.blocked_done", lang, who=member.mention, reason=reason))

    @app_commands.command(  # type: ignore[type-var]
        name="unblock", description="Let a blocked member make videos again"
    )
    @app_commands.describe(member="Who")
    async def unblock(self, interaction: discord.Interaction, member: discord.User) -> None:
        """Unblock a member."""
        policy, lang = await self._policy(interaction)
        if member.id not in policy.blocked:
            await say_privately(interaction, t("mod.not_blocked", lang, who=member.mention))
            return
        await self._change(
            interaction,
            "blocked members",
            lambda stored: {"blocked": {k: v for k, v in stored.blocked.items() if k != member.id}},
        )
        await say_privately(interaction, t("mod.unblocked_done", lang, who=member.mention))

    @app_commands.command(  # type: ignore[type-var]
        name="blocklist", description="Add, remove or list blocked words and patterns"
    )
    @app_commands.describe(
        action="add, remove or show",
        words="One or more words (or patterns), separated by commas or new lines",
        regex="Treat each one as a regular expression",
    )
    async def blocklist(
        self,
        interaction: discord.Interaction,
        action: Literal["add", "remove", "show"],
        words: app_commands.Range[str, 1, 1500] | None = None,
        regex: bool = False,
    ) -> None:
        """Manage the prompt blocklist (checked before any money moves)."""
        policy, lang = await self._policy(interaction)
        if action == "show":
            await self._show_blocklist(interaction, policy, lang)
            return
        items = split_words(words or "")
        if not items:
            await say_privately(interaction, t("mod.blocklist_need_words", lang))
            return
        if action == "remove":
            await self._remove_words(interaction, policy, lang, items)
            return
        added: list[BlockedWord] = []
        for item in items:
            try:
                added.append(validate_pattern(item, is_regex=regex))
            except InvalidPattern as exc:
                reason = t(f"mod.pattern_{exc.reason}", lang, limit=exc.detail, detail=exc.detail)
                await say_privately(interaction, t("mod.blocklist_invalid", lang, pattern=item[:100], reason=reason))
                return
        known = set(policy.blocklist)
        if any(w not in known for w in added):  # merged into the list as stored: a concurrent edit is kept
            await self._change(
                interaction,
                "the blocklist",
                lambda stored: {"blocklist": tuple(dict.fromkeys((*stored.blocklist, *added)))},
            )
        listed = t("mod.sep", lang).join(_code(w.pattern) + ("ʳ" if w.is_regex else "") for w in added)
        await say_privately(interaction, t("mod.blocklist_added", lang, patterns=listed)[:MESSAGE_MAX])

    async def _remove_words(
        self, interaction: discord.Interaction, policy: GuildPolicy, lang: str, items: list[str]
    ) -> None:
        wanted = set(items)
        gone = [w.pattern for w in policy.blocklist if w.pattern in wanted]
        missing = [i for i in items if i not in set(gone)]
        lines = []
        if gone:
            await self._change(
                interaction,
                "the blocklist",
                lambda stored: {"blocklist": tuple(w for w in stored.blocklist if w.pattern not in wanted)},
            )
            lines.append(t("mod.blocklist_removed", lang, patterns=t("mod.sep", lang).join(_code(p) for p in gone)))
        if missing:
            missed = t("mod.sep", lang).join(_code(p) for p in missing)
            lines.append(t("mod.blocklist_missing", lang, patterns=missed))
        await say_privately(interaction, "\n".join(lines)[:MESSAGE_MAX])

    async def _show_blocklist(self, interaction: discord.Interaction, policy: GuildPolicy, lang: str) -> None:
        """List every entry, over as many private messages as it takes."""
        if not policy.blocklist:
            add = command(lang, "reelbot-mod", "blocklist")
            await say_privately(interaction, t("mod.blocklist_empty", lang, command=add))
            return
        head = t("mod.blocklist_show", lang, count=len(policy.blocklist))
        lines = [_code(w.pattern) + ("ʳ" if w.is_regex else "") for w in policy.blocklist]
        for page in pages(head, lines):
            await say_privately(interaction, page)

    @app_commands.command(  # type: ignore[type-var]
        name="approval", description="Require a moderator's approval for untrusted members"
    )
    @app_commands.describe(enabled="On or off", expire_hours="Unapproved requests expire after this many hours")
    async def approval(
        self,
        interaction: discord.Interaction,
        enabled: bool,
        expire_hours: app_commands.Range[float, 0.05, 720.0] | None = None,
    ) -> None:
        """Turn approval mode on or off (on needs a log channel the bot can post in)."""
        policy, lang = await self._policy(interaction)
        if enabled and not self._can_post(interaction, policy.log_channel):
            where = command(lang, "reelbot-mod", "log-channel")
            await say_privately(interaction, t("mod.approval_needs_log", lang, command=where))
            return
        changes: dict[str, object] = {"approval": enabled}
        if expire_hours is not None:
            changes["approval_expire_h"] = float(expire_hours)
        policy = await self._save(interaction, "approval mode", **changes)
        await self._saved(interaction, policy, lang)

    def _can_post(self, interaction: discord.Interaction, channel_id: int | None) -> bool:
        """Return True when the bot may send messages in the channel (as far as the cache knows)."""
        guild = interaction.guild
        if channel_id is None or guild is None:
            return False
        channel = guild.get_channel_or_thread(channel_id)
        if channel is None:
            return False
        return channel.permissions_for(guild.me).send_messages

    @app_commands.command(  # type: ignore[type-var]
        name="log-channel", description="Where reelbot reports to moderators (empty: nowhere)"
    )
    @app_commands.describe(channel="The channel (leave empty to have none)")
    async def log_channel(self, interaction: discord.Interaction, channel: discord.TextChannel | None = None) -> None:
        """Set (after a test line arrives there) or clear the log channel."""
        policy, lang = await self._policy(interaction)
        assert interaction.guild_id is not None
        if channel is None:
            if policy.approval:
                where = command(lang, "reelbot-mod", "approval")
                await say_privately(interaction, t("mod.log_channel_cleared_approval", lang, command=where))
                return
            await self._save(interaction, "the log channel", log_channel=None)
            await say_privately(interaction, t("mod.log_channel_cleared", lang))
            return
        target = self.bot.get_partial_messageable(channel.id, guild_id=interaction.guild_id)
        try:
            await target.send(
                t("log.test", policy.locale, by=interaction.user.id), allowed_mentions=discord.AllowedMentions.none()
            )
        except discord.HTTPException:
            await say_privately(interaction, t("mod.log_channel_failed", lang, channel=channel.mention))
            return
        await self._save(interaction, "the log channel", log_channel=channel.id)
        await say_privately(interaction, t("mod.log_channel_ok", lang, channel=channel.mention))

    @app_commands.command(  # type: ignore[type-var]
        name="pending", description="List the requests waiting for a moderator's approval"
    )
    async def pending(self, interaction: discord.Interaction) -> None:
        """List pending requests, oldest first, with links to approve them in the log channel."""
        _, lang = await self._policy(interaction)
        assert interaction.guild_id is not None
        jobs, total = await self.services.store.pending_jobs(interaction.guild_id)
        if not jobs:
            await say_privately(interaction, t("mod.pending_none", lang))
            return
        lines = [
            t(
                "mod.pending_line",
                lang,
                job=j.id,
                user=j.user_id,
                kind=t(f"kind.{j.kind}", lang),
                settings=options_summary(j.options, lang),
                cost=t("mod.credits", lang, amount=format_credits(j.price)),
                expires=ts(j.deadline_at),
                link=jump_url(j),
            )
            for j in jobs
        ]
        if total > len(jobs):
            lines.append(t("mod.pending_more", lang, count=total - len(jobs)))
        embed = discord.Embed(title=t("mod.pending_title", lang), description="\n".join(lines)[:4000], colour=0x5865F2)
        await interaction.response.send_message(embed=embed, ephemeral=True)
