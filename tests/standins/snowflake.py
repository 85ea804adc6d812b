"""Snowflakes that encode the current time, as Discord's do."""

from __future__ import annotations

import itertools
import time

DISCORD_EPOCH_MS = 1420070400000
_counter = itertools.count(1)


def snowflake(at: float | None = None) -> int:
    """Return a new id whose timestamp part is ``at`` (default: now)."""
    ms = int((time.time() if at is None else at) * 1000)
    return ((ms - DISCORD_EPOCH_MS) << 22) | (next(_counter) % (1 << 22))
