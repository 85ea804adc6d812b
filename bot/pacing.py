"""Acknowledgements first: during a burst of commands, what follows each acknowledgement gives way.

Discord allows 3 seconds for an acknowledgement, and a crowd pressing Enter together sends hundreds of
commands at once. Each command's task acknowledges first; its slower work after that (the store, the
picture, the queued reply) waits until every acknowledgement under way has been answered and no command
has arrived for ``settle_s`` — at most ``max_wait_s`` — so the event loop and Discord's side spend the
burst on acknowledgements, not on the first commands' follow-up requests.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable


class AckFirst:
    """Lets follow-up work wait for a quiet moment between commands."""

    def __init__(
        self, *, settle_s: float = 0.02, max_wait_s: float = 2.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.settle_s = settle_s
        self.max_wait_s = max_wait_s
        self._clock = clock
        self._last = float("-inf")
        self._pending = 0  # acknowledgements sent and not answered yet
        self._none_pending = asyncio.Event()
        self._none_pending.set()

    def arrived(self) -> None:
        """Note that a command has arrived and its acknowledgement is under way."""
        self._last = self._clock()
        self._pending += 1
        self._none_pending.clear()

    def acknowledged(self) -> None:
        """Note that an acknowledgement has been answered (or failed)."""
        self._last = self._clock()
        self._pending = max(0, self._pending - 1)
        if self._pending == 0:
            self._none_pending.set()

    async def settled(self) -> None:
        """Return once no acknowledgement is under way and no command has arrived for ``settle_s``
        (or after ``max_wait_s``)."""
        give_up = self._clock() + self.max_wait_s
        while True:
            now = self._clock()
            if now >= give_up:
                return
            if self._pending:  # sleep until the last one is answered, not in a polling loop
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._none_pending.wait(), give_up - now)
                continue
            quiet_for = now - self._last
            if quiet_for >= self.settle_s:
                return
            await asyncio.sleep(min(self.settle_s - quiet_for, give_up - now))
