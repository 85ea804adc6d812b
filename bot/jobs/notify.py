"""What the runner tells the presentation layer. The Discord notifier lives in bot/ui."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from bot.models import Job


@dataclass(frozen=True, slots=True)
class JobView:
    """A job plus what a member wants to see about it now."""

    job: Job
    now: float
    position: int = 0  # place in the queue, for QUEUED jobs
    expected_s: float = 0.0  # the provider's likely duration for these options
    progress: float = 0.0  # 0..1, estimated
    budget_left: int | None = None  # micro-credits left today in the server, once finished
    video: Path | None = None  # the downloaded mp4, on success when it fits the upload limit
    notice: str | None = None  # why a queued job waits: "provider_busy", "provider_balance", "provider_down"


class ModLog(Protocol):
    """Tells a server's moderators (its log channel) what happened."""

    async def event(
        self,
        guild_id: int,
        kind: str,
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
        kind: str,
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
