"""How the buttons look. They keep working after restarts and days later: discord.py DynamicItems whose
short custom ids (``rb:<action>:<job id>``) carry everything needed to act (cogs/results.py acts).

On a finished video: Re-roll, Edit & retry, Extend, Delete, Report. While queued or awaiting approval:
Cancel. In the log channel: Approve / Reject, and for reports Delete video / Block requester.
Delete asks first, privately: Delete / Keep it. Every button carries an emoji; a public message's
buttons are labelled in the server's language, a private one's in the presser's.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import discord

from bot.models import ErrorCode, Job, JobState
from bot.ui.i18n import t

log = logging.getLogger(__name__)


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
    "delok": discord.ButtonStyle.danger,
    "delno": discord.ButtonStyle.secondary,
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
    "delok": "button.delete_yes",
    "delno": "button.delete_no",
}
_EMOJI = {
    "reroll": "🔁",
    "extend": "⏩",
    "edit": "✏️",
    "del": "🗑️",
    "report": "🚩",
    "cancel": "✖️",
    "approve": "✅",
    "reject": "⛔",
    "mdel": "🗑️",
    "block": "🔒",
    "delok": "🗑️",
    "delno": "↩️",
}
TEMPLATE = r"rb:(?P<action>[a-z]+):(?P<job>[0-9a-z]{10})"


Handler = Callable[[discord.Interaction, str], Awaitable[None]]
_handlers: dict[str, Handler] = {}


def route_presses(handlers: Mapping[str, Handler]) -> None:
    """Say what a press on each action does (cogs/results.py, when it loads).

    The flows live with the cogs; this module only draws the buttons. (One class serves both because
    discord.py re-registers the class of every DynamicItem it sends: a separate "press" subclass
    would be replaced by this one as soon as a message with buttons went out.)
    """
    _handlers.clear()
    _handlers.update(handlers)


class JobButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=TEMPLATE):
    """One DynamicItem for every job button; the action picks the handler routed to it."""

    def __init__(self, action: str, job_id: str, lang: str = "en") -> None:
        self.action, self.job_id = action, job_id
        super().__init__(
            discord.ui.Button(
                label=t(_LABELS[action], lang),
                emoji=_EMOJI[action],
                style=_STYLES[action],
                custom_id=f"rb:{action}:{job_id}",
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> JobButton:
        """Rebuild the button from its custom id (after a restart too)."""
        return cls(match["action"], match["job"])

    async def callback(self, interaction: discord.Interaction) -> None:
        """Hand the press to the action's handler."""
        handler = _handlers.get(self.action)
        if handler is None:
            text = t("button.gone", interaction.locale.value)
            await interaction.response.send_message(text, ephemeral=True)
            return
        await handler(interaction, self.job_id)


def _view(job: Job, *actions: str, lang: str) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for action in actions:
        view.add_item(JobButton(action, job.id, lang))
    return view


def waiting_view(job: Job, lang: str) -> discord.ui.View:
    """Cancel, while the job has not reached the provider (public: the server's language)."""
    return _view(job, "cancel", lang=lang)


def result_view(job: Job, lang: str) -> discord.ui.View:
    """Re-roll, Edit & retry, Extend, Delete, Report, under a finished video (public: the server's language)."""
    return _view(job, "reroll", "edit", "extend", "del", "report", lang=lang)


def retry_view(job: Job, lang: str) -> discord.ui.View:
    """Re-roll and Edit & retry, under a job that ended without a video (public: the server's language)."""
    if job.state is JobState.FAILED and job.error_code in {ErrorCode.REJECTED, ErrorCode.CANCELLED}:
        return _view(job, "edit", lang=lang)
    return _view(job, "reroll", "edit", lang=lang)


def delete_confirm_view(job: Job, lang: str) -> discord.ui.View:
    """Delete / Keep it, under the private question that a press of Delete asks (the presser's language)."""
    return _view(job, "delok", "delno", lang=lang)


def approval_view(job: Job, lang: str) -> discord.ui.View:
    """Approve / Reject, in the log channel (the server's language)."""
    return _view(job, "approve", "reject", lang=lang)


def report_view(job: Job, lang: str) -> discord.ui.View:
    """Delete video / Block requester, under a report in the log channel."""
    return _view(job, "mdel", "block", lang=lang)


__all__ = [
    "JobButton",
    "approval_view",
    "delete_confirm_view",
    "report_view",
    "result_view",
    "retry_view",
    "route_presses",
    "waiting_view",
]
