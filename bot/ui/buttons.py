"""Buttons that keep working after restarts and days later: discord.py DynamicItems whose short
custom ids (``rb:<action>:<job id>``) carry everything needed to act.

On a finished video: Re-roll, Edit & retry, Extend, Delete, Report. While queued or awaiting approval:
Cancel. In the log channel: Approve / Reject, and for reports Delete video / Block requester.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

import discord

from bot.models import Job, JobState
from bot.ui.i18n import t

if TYPE_CHECKING:
    from bot.app import Services

log = logging.getLogger(__name__)


def services_of(interaction: discord.Interaction) -> Services:
    """Return the application's services (ReelBot.services)."""
    services = getattr(interaction.client, "services", None)
    assert services is not None
    return services  # type: ignore[no-any-return]


def _moderator(interaction: discord.Interaction) -> bool:
    perms = interaction.permissions
    return perms.manage_guild or perms.administrator


async def _private(interaction: discord.Interaction, key: str, **values: object) -> None:
    text = t(key, interaction.locale.value, **values)
    mentions = discord.AllowedMentions.none()
    if interaction.response.is_done():
        await interaction.followup.send(text, ephemeral=True, allowed_mentions=mentions)
    else:
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=mentions)


async def _job_for(interaction: discord.Interaction, job_id: str, *, requester_or_mod: bool) -> Job | None:
    """Load the job; refuse (privately) when it is gone or the presser may not act on it."""
    job = await services_of(interaction).store.get_job(job_id)
    if job is None or job.guild_id != interaction.guild_id:
        await _private(interaction, "button.gone")
        return None
    if requester_or_mod and interaction.user.id != job.user_id and not _moderator(interaction):
        await _private(interaction, "button.not_yours")
        return None
    return job


_STYLES = {
    "reroll": discord.ButtonStyle.primary,
    "edit": discord.ButtonStyle.secondary,
    "extend": discord.ButtonStyle.secondary,
    "del": discord.ButtonStyle.secondary,
    "report": discord.ButtonStyle.danger,
    "cancel": discord.ButtonStyle.secondary,
    "approve": discord.ButtonStyle.success,
    "reject": discord.ButtonStyle.danger,
    "mdel": discord.ButtonStyle.danger,
    "block": discord.ButtonStyle.secondary,
}
_LABELS = {
    "reroll": "button.reroll",
    "edit": "button.edit",
    "extend": "button.extend",
    "del": "button.delete",
    "report": "button.report",
    "cancel": "button.cancel",
    "approve": "button.approve",
    "reject": "button.reject",
    "mdel": "button.mod_delete",
    "block": "button.block",
}
_TEMPLATE = r"rb:(?P<action>[a-z]+):(?P<job>[0-9a-z]{10})"


class _JobButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=_TEMPLATE):
    """One DynamicItem for every job button; the action picks the handler."""

    def __init__(self, action: str, job_id: str, lang: str = "en") -> None:
        self.action, self.job_id = action, job_id
        super().__init__(
            discord.ui.Button(label=t(_LABELS[action], lang), style=_STYLES[action], custom_id=f"rb:{action}:{job_id}")
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> _JobButton:
        """Rebuild the button from its custom id (after a restart too)."""
        return cls(match["action"], match["job"])

    async def callback(self, interaction: discord.Interaction) -> None:
        """Dispatch to the action's handler."""
        from bot.ui import button_actions, extend

        handler = getattr(button_actions, f"on_{self.action}", None) or getattr(extend, f"on_{self.action}", None)
        if handler is None:
            await _private(interaction, "button.gone")
            return
        await handler(interaction, self.job_id)


def _view(job: Job, *actions: str, lang: str | None = None) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for action in actions:
        view.add_item(_JobButton(action, job.id, lang or job.locale))
    return view


def waiting_view(job: Job) -> discord.ui.View:
    """Cancel, while the job has not reached the provider."""
    return _view(job, "cancel")


def result_view(job: Job) -> discord.ui.View:
    """Re-roll, Edit & retry, Extend, Delete, Report, under a finished video."""
    return _view(job, "reroll", "edit", "extend", "del", "report")


def retry_view(job: Job) -> discord.ui.View:
    """Re-roll and Edit & retry, under a job that ended without a video."""
    if job.state is JobState.FAILED and job.error_code in {"rejected", "cancelled"}:
        return _view(job, "edit")
    return _view(job, "reroll", "edit")


def approval_view(job: Job, lang: str) -> discord.ui.View:
    """Approve / Reject, in the log channel (the server's language)."""
    return _view(job, "approve", "reject", lang=lang)


def report_view(job: Job, lang: str) -> discord.ui.View:
    """Delete video / Block requester, under a report in the log channel."""
    return _view(job, "mdel", "block", lang=lang)


DYNAMIC_ITEMS = (_JobButton,)
__all__ = ["DYNAMIC_ITEMS", "approval_view", "report_view", "result_view", "retry_view", "waiting_view"]
