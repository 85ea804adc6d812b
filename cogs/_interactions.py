"""Small helpers every interaction flow shares: the services, private answers, who may act on a job."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

import discord

from bot.models import Job
from bot.provider.options import PROMPT_MAX
from bot.services import Services
from bot.ui.i18n import t

if TYPE_CHECKING:
    from bot.app import ReelBot


def reelbot(interaction: discord.Interaction) -> ReelBot:
    """Return the bot that received the interaction."""
    return cast("ReelBot", interaction.client)


def services_of(interaction: discord.Interaction) -> Services:
    """Return the application's services (ReelBot.services)."""
    services = reelbot(interaction).services
    assert services is not None
    return services


async def is_moderator(interaction: discord.Interaction) -> bool:
    """Return True when Discord would let the member run /reelbot-mod here (see cogs/_access.py)."""
    return await reelbot(interaction).moderators.is_moderator(interaction)


async def private(interaction: discord.Interaction, key: str, **values: object) -> None:
    """Answer only the member who interacted, in their language."""
    text = t(key, interaction.locale.value, **values)
    mentions = discord.AllowedMentions.none()
    if interaction.response.is_done():
        await interaction.followup.send(text, ephemeral=True, allowed_mentions=mentions)
    else:
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=mentions)


async def job_for(interaction: discord.Interaction, job_id: str, *, requester_or_mod: bool) -> Job | None:
    """Load the job; refuse (privately, once) when it is gone or the presser may not act on it."""
    job = await services_of(interaction).store.get_job(job_id)
    if job is None or job.guild_id != interaction.guild_id:
        await private(interaction, "button.gone")
        return None
    if requester_or_mod and interaction.user.id != job.user_id and not await is_moderator(interaction):
        await private(interaction, "button.not_yours")
        return None
    return job


class PromptForm(discord.ui.Modal):
    """A small form with a job's prompt filled in, to edit before a new job starts (Edit & retry, Extend)."""

    def __init__(self, job_id: str, prompt: str, *, custom_id: str, title: str, label: str) -> None:
        super().__init__(title=title[:45], custom_id=custom_id)
        self.job_id = job_id
        self.prompt: discord.ui.TextInput[PromptForm] = discord.ui.TextInput(
            label=label[:45],
            default=prompt[:PROMPT_MAX],
            max_length=PROMPT_MAX,
            style=discord.TextStyle.paragraph,
            required=False,
        )
        self.add_item(self.prompt)
