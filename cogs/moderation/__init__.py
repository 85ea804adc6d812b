"""/reelbot for members and /reelbot-mod for moderators (two top-level commands, because Discord
gates permissions per top-level command)."""

from __future__ import annotations

from bot.app import ReelBot
from cogs.moderation._members import Members
from cogs.moderation._moderators import Moderators


async def setup(bot: ReelBot) -> None:
    """Load both cogs."""
    await bot.add_cog(Members(bot))
    await bot.add_cog(Moderators(bot))
