"""Answering an interaction: private refusals, and the one handler for unexpected errors."""

from __future__ import annotations

import logging
import secrets

import discord
from discord import app_commands

from bot.errors import UserFacingError
from bot.jobs.notify import ModLog
from bot.ui.i18n import t
from bot.ui.text import refusal, with_prompt

log = logging.getLogger(__name__)


async def say_privately(interaction: discord.Interaction, text: str) -> None:
    """Answer only the member: a fresh ephemeral reply, or a follow-up if already acknowledged."""
    mentions = discord.AllowedMentions.none()
    if interaction.response.is_done():
        await interaction.followup.send(text, ephemeral=True, allowed_mentions=mentions)
    else:
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=mentions)


async def refuse(
    interaction: discord.Interaction, err: UserFacingError, modlog: ModLog | None = None, *, prompt: str = ""
) -> None:
    """Tell the member why, privately (nothing was charged), giving their prompt back; tell the log channel."""
    log.info(
        "refused %s for user=%s guild=%s: %s",
        _command_name(interaction),
        interaction.user.id,
        interaction.guild_id,
        err,
    )
    locale = str(interaction.locale.value)
    await say_privately(interaction, with_prompt(refusal(err, locale), prompt, locale))
    if modlog is not None and interaction.guild_id:
        await modlog.event(interaction.guild_id, "refused", by=interaction.user.id, detail={"error": err})


async def on_tree_error(interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
    """Handle anything a command did not: refusals get their words, the rest an error id."""
    original = getattr(error, "original", error)
    lang = str(interaction.locale.value)
    if isinstance(original, UserFacingError):
        await refuse(interaction, original)
        return
    if isinstance(error, app_commands.CheckFailure):
        await say_privately(interaction, t("error.no_permission", lang))
        return
    error_id = secrets.token_hex(4)
    log.error("command %s failed (error id %s)", _command_name(interaction), error_id, exc_info=original)
    try:
        await say_privately(interaction, t("error.unexpected", lang, id=error_id))
    except discord.HTTPException:
        log.warning("could not tell the member about error %s", error_id)


def _command_name(interaction: discord.Interaction) -> str:
    return interaction.command.qualified_name if interaction.command else "?"
