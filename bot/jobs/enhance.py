"""✨ Enhance: rewrite a member's short prompt with the chat model, before anything is spent.

It costs no video credits, is rate-limited per member (in this process: the chat model is free, the
limit only keeps one member from hammering it), and every failure falls back to the member's own
prompt with a reason the Discord layer turns into a note.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from bot.provider import errors
from bot.provider.chat import ChatClient
from bot.provider.options import PROMPT_MAX

log = logging.getLogger(__name__)

HOUR = 3600.0


@dataclass(frozen=True, slots=True)
class Enhanced:
    """The prompt to offer, and why it is the member's own when it is."""

    prompt: str
    failure: str | None = None  # None: enhanced; "off", "rate_limited", "timeout" or "failed"
    retry_at: float | None = None  # for "rate_limited": when the next one is allowed (epoch seconds)


class PromptEnhancer:
    """Calls the chat model within the operator's limits."""

    def __init__(self, chat: ChatClient | None, *, per_hour: int, clock: Callable[[], float] = time.time) -> None:
        self._chat = chat
        self._per_hour = per_hour
        self._clock = clock
        self._recent: dict[int, deque[float]] = {}

    @property
    def enabled(self) -> bool:
        """Return False when the operator turned Enhance off."""
        return self._chat is not None

    async def enhance(self, user_id: int, prompt: str) -> Enhanced:
        """Return an enhanced prompt, or the member's own with the reason."""
        if self._chat is None:
            return Enhanced(prompt, "off")
        now = self._clock()
        recent = self._recent.setdefault(user_id, deque())
        while recent and recent[0] <= now - HOUR:
            recent.popleft()
        if len(recent) >= self._per_hour:
            return Enhanced(prompt, "rate_limited", retry_at=recent[0] + HOUR)
        recent.append(now)
        try:
            text = await self._chat.enhance(prompt)
        except errors.ProviderTimeout:
            log.warning("enhance for user %s timed out", user_id)
            return Enhanced(prompt, "timeout")
        except errors.ProviderError as exc:
            log.warning("enhance for user %s failed: %s", user_id, exc)
            return Enhanced(prompt, "failed")
        return Enhanced(_fit(text))


def _fit(text: str) -> str:
    """Keep the prompt within the video API's limit, cut at a word."""
    if len(text) <= PROMPT_MAX:
        return text
    cut = text[:PROMPT_MAX].rsplit(" ", 1)[0]
    return cut.rstrip(",;: ")
