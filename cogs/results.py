"""What a press on a job button does: re-roll, edit & retry, extend, delete, report, cancel, and in the log
channel approve, reject, delete video and block requester (the flows are in cogs/_button_actions.py;
bot/ui/buttons.py draws the buttons)."""

from __future__ import annotations

from bot.app import ReelBot
from bot.ui.buttons import JobButton, route_presses
from cogs import _button_actions, _extend

ACTIONS = ("reroll", "edit", "del", "delok", "delno", "report", "cancel", "approve", "reject", "mdel", "block")


async def setup(bot: ReelBot) -> None:
    """Listen for presses on every job button, old and new."""
    route_presses(
        {**{action: getattr(_button_actions, f"on_{action}") for action in ACTIONS}, "extend": _extend.on_extend}
    )
    bot.add_dynamic_items(JobButton)


async def teardown(bot: ReelBot) -> None:
    """Stop listening."""
    bot.remove_dynamic_items(JobButton)
    route_presses({})
