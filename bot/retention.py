"""Keep members' pictures no longer than the operator says.

An image job's picture stays in the database (``job_inputs``) so that Re-roll and Edit & retry can
send it again. INPUT_RETENTION_DAYS after the job ended, the pruner deletes it; 0 keeps pictures until
the member asks to be forgotten (``/reelbot forget-me`` deletes theirs at once, whatever this says).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Protocol

log = logging.getLogger(__name__)

DAY_S = 86_400.0


class PrunesInputs(Protocol):
    """The one store method the pruner needs."""

    async def prune_inputs(self, *, finished_before: float, limit: int = 500) -> int:
        """Delete the pictures of up to ``limit`` jobs that ended before ``finished_before``; return how many."""
        ...


class InputPruner:
    """Deletes pictures of jobs that ended more than ``retention_days`` ago: at start, then every ``every_s``."""

    def __init__(
        self,
        store: PrunesInputs,
        *,
        retention_days: int,
        every_s: float = 3600.0,
        batch: int = 500,
        max_batches: int = 100,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._store = store
        self._days = retention_days
        self._every_s = every_s
        self._batch = batch
        self._max_batches = max_batches  # a bound per round; the rest waits for the next one
        self._clock = clock
        self._sleep = sleep
        self._task: asyncio.Task[None] | None = None

    async def run_once(self) -> int:
        """Prune what is due now; return how many pictures were deleted (0 when retention is off)."""
        if self._days <= 0:
            return 0
        cutoff = self._clock() - self._days * DAY_S
        total = 0
        for _ in range(self._max_batches):
            pruned = await self._store.prune_inputs(finished_before=cutoff, limit=self._batch)
            total += pruned
            if pruned < self._batch:
                break
        if total:
            log.info("pruned %d member picture(s) of jobs that ended over %d days ago", total, self._days)
        return total

    def start(self) -> None:
        """Start pruning in the background (nothing to do when retention is off)."""
        if self._days > 0 and (self._task is None or self._task.done()):
            self._task = asyncio.create_task(self._loop(), name="reelbot-input-pruner")
            self._task.add_done_callback(_log_crash)

    async def stop(self) -> None:
        """Stop the loop (a prune in progress is rolled back by its transaction)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    @property
    def alive(self) -> bool:
        """Return True while the loop runs."""
        return self._task is not None and not self._task.done()

    async def _loop(self) -> None:
        while True:
            try:
                await self.run_once()
            except Exception:  # a database hiccup: try again next round
                log.exception("pruning member pictures failed; trying again in %.0f s", self._every_s)
            await self._sleep(self._every_s)


def _log_crash(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("the picture pruner stopped", exc_info=task.exception())
