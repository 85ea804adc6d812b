"""What the runner tells the presentation layer. The Discord notifier lives in bot/ui."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol, get_args

from bot.models import Job
from bot.provider.streaming import GrowingFile

Video = Path | GrowingFile  # an mp4 on disk, or one still downloading (read as it arrives)


@dataclass(frozen=True, slots=True)
class JobView:
    """A job plus what a member wants to see about it now."""

    job: Job
    now: float
    position: int = 0  # place in the queue, for QUEUED jobs
    expected_s: float = 0.0  # the provider's likely duration for these options
    progress: float = 0.0  # 0..1, estimated
    budget_left: int | None = None  # micro-credits left today in the server, once finished
    video: Video | None = None  # the mp4 (downloaded, or downloading), on success when it fits
    notice: str | None = None  # why a queued job waits: "provider_busy", "provider_balance", "provider_down"


# What the log channel hears about (bot/ui/modlog.py words each one). A Literal, so that mypy checks every
# call site's kind against this list and a new kind cannot reach the log channel without its line.
LogEvent = Literal[
    "requested",  # a job was queued (its price reserved)
    "approval_requested",  # approval mode: a request waits for a moderator (with Approve / Reject)
    "approved",
    "rejected",
    "cancelled",
    "refused",  # a request refused by a rule or a limit (detail: error)
    "result",  # a job ended: its video, or why not
    "reported",  # a member reported a video (detail: reason; with Delete video / Block requester)
    "deleted",
    "blocked",  # detail: reason
    "setting",  # a moderator changed a setting (detail: what)
    "budget_alert",  # 50, 80 or 100 % of a period's budget spent (detail: period, percent, spent, cap)
    "provider_balance",  # the operator's provider account ran out of credit
]
LOG_EVENTS: tuple[str, ...] = get_args(LogEvent)


class ModLog(Protocol):
    """Tells a server's moderators (its log channel) what happened."""

    async def event(
        self,
        guild_id: int,
        kind: LogEvent,
        *,
        job: Job | None = None,
        by: int | None = None,
        detail: dict[str, object] | None = None,
    ) -> bool:
        """Record one event; return True when moderators can see it. Never raises (no log channel: False)."""
        ...


class NoModLog:
    """A ModLog that records nothing (no log channel, or outside Discord)."""

    async def event(
        self,
        guild_id: int,
        kind: LogEvent,
        *,
        job: Job | None = None,
        by: int | None = None,
        detail: dict[str, object] | None = None,
    ) -> bool:
        """Do nothing: nobody was told."""
        return False


class Notifier(Protocol):
    """Shows jobs to members."""

    async def show(self, view: JobView) -> None:
        """Update the member's reply; may coalesce or pace, never raises."""
        ...

    async def deliver(self, view: JobView) -> bool:
        """Post the final state (video, link or reason); return True once the member can see it."""
        ...
