"""A worker's heartbeat: the row in ``workers`` that keeps every lease the process holds alive.

It runs on its own schedule and never waits on work, so a slow upload or a hung provider call cannot
let another process take this one's jobs. Its times come from the database's clock (tests pin them).
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Callable

from bot.store.base import Store

log = logging.getLogger(__name__)


class Heartbeat:
    """One process's worker row: registered once, renewed every ``lease_s / 4``."""

    def __init__(self, store: Store, name: str, *, lease_s: float, now: Callable[[], float | None]) -> None:
        self._store = store
        self.name = name  # host:instance, for people (a restarted process with the same name takes its jobs back)
        self.worker_id = uuid.uuid4().hex
        self._lease_s = lease_s
        self._now = now  # None: the database's clock
        self._registered = False
        self._trusted_until = 0.0  # monotonic: no POST after this unless a beat renewed the leases
        # Beats that came after the leases may have lapsed: what this process kept of its jobs since may be stale.
        self.lapses = 0

    async def register(self) -> bool:
        """Register (once) and beat; False if a newer process with this name has retired us."""
        if not self._registered:
            await self._store.register_worker(self.worker_id, self.name, now=self._now())
            self._registered = True
        return await self.beat()

    async def beat(self) -> bool:
        """Renew every lease this worker holds; False if it was retired (a newer process took its name)."""
        sent = time.monotonic()
        if not await self._store.beat(self.worker_id, now=self._now()):
            log.error(
                "worker %s (%s) was retired by a newer process with its name; stopping", self.worker_id, self.name
            )
            return False
        if 0.0 < self._trusted_until < sent:
            self.lapses += 1
        self._trusted_until = sent + self._lease_s * 0.8  # a margin before others may take over
        return True

    def trusted(self) -> bool:
        """True while no other process may have taken our jobs (the last beat is recent enough)."""
        return time.monotonic() <= self._trusted_until

    async def run(self, on_retired: Callable[[], None]) -> None:
        """Beat on its own schedule until cancelled, or until retired (then call ``on_retired``)."""
        while True:
            await asyncio.sleep(self._lease_s / 4)
            try:
                if not await self.beat():
                    on_retired()
                    return
            except Exception:  # the database hiccupped: no renewal, so POSTs stop once the margin runs out
                log.exception("heartbeat failed")

    async def retire(self) -> None:
        """A clean stop: free this worker's jobs for the others at once."""
        await self._store.retire_worker(self.worker_id)
