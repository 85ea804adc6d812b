"""`/reelbot help` and `@reelbot help`: the same page, in the member's language."""

from __future__ import annotations

import discord

from bot.services import Services
from bot.ui.help import help_embed

HELP_WORDS = {"help": None, "?": None, "？": "zh-CN", "帮助": "zh-CN", "幫助": "zh-CN"}  # word -> language


def asks_for_help(prompt: str) -> bool:
    """Return True when a mention's whole text is a request for help (not a prompt to spend on)."""
    return prompt.strip().lower() in HELP_WORDS


def help_language(prompt: str, default: str) -> str:
    """Answer "帮助" in Chinese and "help" in the server's language."""
    return HELP_WORDS.get(prompt.strip().lower()) or default


async def help_page(services: Services, *, guild_id: int, user_id: int, lang: str) -> discord.Embed:
    """Build the help page for one member of one server."""
    policy = await services.jobs.policy(guild_id)
    quota = await services.jobs.quota(guild_id, user_id)
    default = services.settings.video_model
    offered = [m.name for m in services.settings.catalogue.offered(services.settings.video_api_base)]
    models = [default, *(m for m in offered if m != default)]
    prices = {m: services.jobs._spending.price_for(policy, m) for m in models}
    return help_embed(quota, policy, lang, prices)
