"""Logging set-up, with a filter that keeps secrets out of every line."""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable

_WEBHOOK_TOKEN = re.compile(r"(/(?:webhooks|interactions)/\d+/)[A-Za-z0-9_.\-]{20,}")


class RedactSecrets(logging.Filter):
    """Replace known secrets and interaction tokens in a record's final text."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self._secrets = [s for s in secrets if s and len(s) >= 6]

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's message in place; never drop it."""
        text = record.getMessage()
        clean = _WEBHOOK_TOKEN.sub(r"\1<token>", text)
        for secret in self._secrets:
            clean = clean.replace(secret, "<secret>")
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
            for secret in self._secrets:
                record.exc_text = record.exc_text.replace(secret, "<secret>")
            record.exc_text = _WEBHOOK_TOKEN.sub(r"\1<token>", record.exc_text)
        if clean != text:
            record.msg, record.args = clean, None
        return True


def _not_voice(record: logging.LogRecord) -> bool:
    # reelbot never joins voice; discord.py's start-up warnings about voice libraries are noise.
    return "voice will NOT be supported" not in record.getMessage()


def setup_logging(level: str, secrets: Iterable[str] = ()) -> None:
    """Log to stderr at ``level``; quieten the noisy libraries; redact secrets."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets(secrets))
    handler.addFilter(_not_voice)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("discord", "discord.http", "discord.gateway", "discord.client", "aiosqlite"):
        logging.getLogger(noisy).setLevel(max(logging.INFO, logging.getLevelName(level)))
    logging.getLogger("discord.http").setLevel(logging.WARNING)
    logging.getLogger("discord.webhook.async_").setLevel(logging.WARNING)
