"""/reelbot for members (quota) and /reelbot-mod for moderators (the server's daily budget).

Two top-level commands because Discord gates permissions per top-level command: members keep
/reelbot, and /reelbot-mod needs Manage Server unless an admin grants it in Server Settings →
Integrations. The permission is checked again at run time, not only by Discord's default.
"""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import ReelBot, Services
from bot.models import credits_to_micros, format_credits
from bot.ui.render import quota_embed
from bot.ui.replies import say_privately


class Members(commands.GroupCog, group_name="reelbot", group_description="Your reelbot videos"):
    """Commands every member can use."""

    def __init__(self, bot: ReelBot) -> None:
        assert bot.services is not None
        self.services: Services = bot.services
        super().__init__()

    @app_commands.command(name="quota", description="See how many videos you and this server have left")
    @app_commands.guild_only()
    async def quota(self, interaction: discord.Interaction) -> None:
        """Show what is left for you and for the server, and when each resets."""
        assert interaction.guild_id is not None
        quota = await self.services.jobs.quota(interaction.guild_id, interaction.user.id)
        await interaction.response.send_message(embed=quota_embed(quota), ephemeral=True)


@app_commands.default_permissions(manage_guild=True)
@app_commands.guild_only()
class Moderators(commands.GroupCog, group_name="reelbot-mod", group_description="Moderate reelbot in this server"):
    """Commands for moderators (Manage Server by default)."""

    def __init__(self, bot: ReelBot) -> None:
        assert bot.services is not None
        self.services: Services = bot.services
        super().__init__()

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        """Enforce Manage Server at run time too (Discord's default can be changed by admins)."""
        perms = interaction.permissions  # as Discord computed them for this member, in this channel
        if perms.manage_guild or perms.administrator:
            return True
        await say_privately(interaction, "Only moderators with **Manage Server** can change reelbot's settings.")
        return False

    @app_commands.command(name="budget", description="Show or set this server's daily video budget")
    @app_commands.describe(daily="New daily budget in credits (e.g. 2.5); 'default' restores the default")
    async def budget(self, interaction: discord.Interaction, daily: str | None = None) -> None:
        """Show the server's daily budget, or set it."""
        assert interaction.guild_id is not None
        jobs = self.services.jobs
        if daily is None:
            quota = await jobs.quota(interaction.guild_id, interaction.user.id)
            await say_privately(
                interaction,
                (
                    f"This server's daily budget is **{format_credits(quota.guild_cap)} credits**; "
                    f"{format_credits(quota.guild_spent)} spent today. A video costs {format_credits(quota.price)}."
                ),
            )
            return
        if daily.strip().lower() == "default":
            micros = None
        else:
            try:
                micros = credits_to_micros(daily)
            except (ValueError, ArithmeticError):
                await say_privately(
                    interaction,
                    f"`{discord.utils.escape_markdown(daily[:40])}` isn't an amount. "
                    "Use a number of credits such as `2.5`, or `default`.",
                )
                return
        cap = await jobs.set_daily_budget(interaction.guild_id, micros, by=interaction.user.id)
        await say_privately(interaction, f"Done: this server's daily budget is now **{format_credits(cap)} credits**.")


async def setup(bot: ReelBot) -> None:
    """Load both cogs."""
    await bot.add_cog(Members(bot))
    await bot.add_cog(Moderators(bot))
