"""/reelbot quota, jobs, help and forget-me: what every member can do."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import ReelBot
from bot.services import Services
from bot.ui.i18n import language, t
from bot.ui.modlog import jump_url
from bot.ui.render import quota_embed
from bot.ui.replies import say_privately
from bot.ui.text import ts
from cogs._help import help_page


@app_commands.guild_only()
class Members(commands.GroupCog, group_name="reelbot", group_description="Your reelbot videos"):
    """Commands every member can use."""

    def __init__(self, bot: ReelBot) -> None:
        assert bot.services is not None
        self.services: Services = bot.services
        super().__init__()

    @app_commands.command(name="quota", description="See how many videos you and this server have left")
    async def quota(self, interaction: discord.Interaction) -> None:
        """Show what is left for you and for the server, and when each resets."""
        assert interaction.guild_id is not None
        jobs = self.services.jobs
        quota = await jobs.quota(interaction.guild_id, interaction.user.id)
        policy = await jobs.policy(interaction.guild_id)
        default = self.services.settings.video_model
        offered = [m.name for m in self.services.settings.catalogue.offered(self.services.settings.video_api_base)]
        models = [default, *(m for m in offered if m != default)]
        prices = {m: jobs._spending.price_for(policy, m) for m in models}
        embed = quota_embed(quota, language(interaction.locale), prices)
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @app_commands.command(name="jobs", description="List your recent videos in this server")
    async def jobs(self, interaction: discord.Interaction) -> None:
        """List your latest videos with links to them."""
        assert interaction.guild_id is not None
        lang = language(interaction.locale)
        recent = await self.services.store.recent_jobs(interaction.guild_id, interaction.user.id)
        if not recent:
            await say_privately(interaction, t("jobs.none", lang))
            return
        lines = [
            t(
                "jobs.line",
                lang,
                id=j.id,
                state=t(f"state.{j.state.value}", lang),
                when=ts(j.created_at),
                prompt=discord.utils.escape_markdown(j.prompt[:60]) or "—",
                link=jump_url(j),
            )
            for j in recent
        ]
        embed = discord.Embed(title=t("jobs.title", lang), description="\n".join(lines)[:4000], colour=0x5865F2)
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @app_commands.command(
        name="help", description="What reelbot does, its commands, your quota and this server's rules"
    )
    async def help(self, interaction: discord.Interaction) -> None:
        """Show what reelbot does, how to use it, what you have left and this server's rules."""
        assert interaction.guild_id is not None
        await interaction.response.defer(ephemeral=True, thinking=True)  # before the store is read
        embed = await help_page(
            self.services, guild_id=interaction.guild_id, user_id=interaction.user.id, lang=language(interaction.locale)
        )
        await interaction.followup.send(embed=embed, ephemeral=True)

    @app_commands.command(name="forget-me", description="Delete your prompts and videos' records from reelbot")
    async def forget_me(self, interaction: discord.Interaction) -> None:
        """Delete your requests and prompts; amounts spent stay in the server's books, without your name."""
        count = await self.services.jobs.forget_member(interaction.user.id)
        await say_privately(interaction, t("forget.done", language(interaction.locale), count=count))
