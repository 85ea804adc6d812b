"""Prompt hygiene: strip what can hide or spoof text, and enforce the provider's length limit.

Mentions are left as text; they can never ping because every message the bot sends allows
mentions of the requester only (see bot/ui).
"""

from __future__ import annotations

import re
import unicodedata

from bot.errors import InvalidPrompt
from bot.provider.options import PROMPT_MAX

# Zero-width and bidi-control characters: invisible, and used to smuggle words past filters.
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\u00ad]")
_SPACES = re.compile(r"\s+")


def clean_prompt(text: str | None, *, required: bool = True) -> str:
    """Return the prompt normalised (NFKC, no control or invisible characters, single spaces).

    Raises:
        InvalidPrompt: empty when required, or longer than the provider accepts.
    """
    text = unicodedata.normalize("NFKC", text or "")
    text = _INVISIBLE.sub("", text)
    text = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in text)
    text = _SPACES.sub(" ", text).strip()
    if not text and required:
        raise InvalidPrompt(reason="empty")
    if len(text) > PROMPT_MAX:
        raise InvalidPrompt(reason="too_long", limit=PROMPT_MAX, length=len(text))
    return text
