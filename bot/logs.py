"""Logging set-up: human-readable or JSON lines, the job's ids on every job line, secrets redacted."""

from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

_WEBHOOK_TOKEN = re.compile(r"(/(?:webhooks|interactions)/\d+/)[A-Za-z0-9_.\-]{20,}")
_JOB: contextvars.ContextVar[dict[str, object] | None] = contextvars.ContextVar("reelbot_job", default=None)


@contextmanager
def job_context(job_id: str, guild_id: int, user_id: int) -> Iterator[None]:
    """Tag every log line written inside with the job's id, guild and user."""
    token = _JOB.set({"job_id": job_id, "guild_id": guild_id, "user_id": user_id})
    try:
        yield
    finally:
        _JOB.reset(token)


class RedactSecrets(logging.Filter):
    """Replace known secrets and interaction tokens in a record's final text; attach the job context."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self._secrets = [s for s in secrets if s and len(s) >= 6]

    def _clean(self, text: str) -> str:
        text = _WEBHOOK_TOKEN.sub(r"\1<token>", text)
        for secret in self._secrets:
            text = text.replace(secret, "<secret>")
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's message in place; never drop it."""
        text = record.getMessage()
        clean = self._clean(text)
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = self._clean(logging.Formatter().formatException(record.exc_info))
        if clean != text:
            record.msg, record.args = clean, None
        record.job = _JOB.get()
        return True


class TextFormatter(logging.Formatter):
    """``time level logger: message [job=… guild=… user=…]``."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        """Add the job context after the message."""
        line = super().format(record)
        job = getattr(record, "job", None)
        if job:
            line += f" [job={job['job_id']} guild={job['guild_id']} user={job['user_id']}]"
        return line


class JsonFormatter(logging.Formatter):
    """One JSON object per line, for log collectors."""

    def format(self, record: logging.LogRecord) -> str:
        """Serialise the record."""
        out: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        job = getattr(record, "job", None)
        if job:
            out.update(job)
        if record.exc_text:
            out["exception"] = record.exc_text
        return json.dumps(out, ensure_ascii=False)


def _not_voice(record: logging.LogRecord) -> bool:
    # reelbot never joins voice; discord.py's start-up warnings about voice libraries are noise.
    return "voice will NOT be supported" not in record.getMessage()


def setup_logging(level: str, secrets: Iterable[str] = (), *, fmt: str = "text") -> None:
    """Log to stderr at ``level`` as text or JSON; quieten the noisy libraries; redact secrets."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    handler.addFilter(RedactSecrets(secrets))
    handler.addFilter(_not_voice)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("discord", "discord.gateway", "discord.client", "aiosqlite", "asyncio"):
        logging.getLogger(noisy).setLevel(max(logging.INFO, logging.getLevelName(level)))
    logging.getLogger("discord.http").setLevel(logging.WARNING)
    logging.getLogger("discord.webhook.async_").setLevel(logging.WARNING)
