"""The help page: what reelbot does, the commands, the member's quota and the server's rules."""

from __future__ import annotations

import discord

from bot.models import GuildPolicy, Quota
from bot.ui.i18n import t
from bot.ui.render import quota_embed


def rules_text(policy: GuildPolicy, lang: str) -> str:
    """Describe the server's rules a member meets (never the blocklist's words)."""
    lines = [
        t("help.rule_channels", lang, channels=", ".join(f"<#{c}>" for c in policy.allowed_channels))
        if policy.allowed_channels
        else t("help.rule_any_channel", lang)
    ]
    if policy.allowed_roles:
        lines.append(t("help.rule_roles", lang, roles=", ".join(f"<@&{r}>" for r in policy.allowed_roles)))
    if policy.approval:
        lines.append(t("help.rule_approval", lang))
    if policy.animate_nsfw_only:
        lines.append(t("help.rule_nsfw", lang))
    if policy.blocklist:
        lines.append(t("help.rule_blocklist", lang))
    return "\n".join(f"• {line}" for line in lines)


def help_embed(quota: Quota, policy: GuildPolicy, lang: str, prices: dict[str, int]) -> discord.Embed:
    """Render the help page in the member's language."""
    embed = discord.Embed(title=t("help.title", lang), description=t("help.about", lang), colour=0x5865F2)
    embed.add_field(name=t("help.commands", lang), value=t("help.commands_value", lang), inline=False)
    for field in quota_embed(quota, lang, prices).fields:
        embed.add_field(name=field.name, value=field.value, inline=False)
    embed.add_field(name=t("help.rules", lang), value=rules_text(policy, lang), inline=False)
    embed.set_footer(text=t("help.moderators", lang))
    return embed
