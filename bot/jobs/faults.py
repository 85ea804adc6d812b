"""Crash points for the reliability tests: ``REELBOT_CRASH_AT=<point>`` SIGKILLs the process there.

Operators never set it. It exists so that tests can prove what happens when the process dies at
the worst moments: no second submission, no second final message, the charge recorded once.
"""

from __future__ import annotations

import os
import signal

POINTS = frozenset({"before_submit", "after_submit", "after_download", "after_upload"})
_ARMED = os.environ.get("REELBOT_CRASH_AT", "")


def crash_point(name: str) -> None:
    """Die at once, as a SIGKILL would kill us, if the tests armed this point."""
    assert name in POINTS, name
    if name == _ARMED:
        os.kill(os.getpid(), signal.SIGKILL)
