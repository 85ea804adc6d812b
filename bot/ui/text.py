"""Refusals and failures in the member's language (every sentence lives in bot/ui/locales)."""

from __future__ import annotations

import unicodedata

from bot.errors import (
    BudgetExhausted,
    InFlightLimit,
    InvalidImage,
    InvalidOptions,
    InvalidPrompt,
    MemberLimitReached,
    NotInGuild,
    UserFacingError,
)
from bot.models import VideoOptions, format_credits
from bot.moderation.policy import Refused
from bot.provider.options import DEFAULT_DURATION, DEFAULT_FPS, MODELS
from bot.ui.i18n import catalogs, t

FAILURE_CODES = (
    "content_rejected",
    "invalid_request",
    "provider_account",
    "generation_failed",
    "deadline",
    "queue_timeout",
    "unknown_submission",
    "rejected",
    "approval_timeout",
    "cancelled",
)


MESSAGE_LIMIT = 2000  # characters of content a bot may send
_MIN_ROOM = 40  # below this, a cut-down prompt would not help anyone


def with_prompt(text: str, prompt: str, locale: str | None = None) -> str:
    """Append the member's prompt in a code block to copy, within Discord's 2,000 characters.

    A zero-width space follows each backtick, so no run of three can close the block early; it is
    invisible, and /video strips it when the prompt is pasted back.
    """
    if not "".join(ch for ch in prompt if unicodedata.category(ch)[0] != "C").strip():
        return text
    head, tail = f"\n\n{t('refusal.your_prompt', locale)}\n```\n", "\n```"
    body = prompt.strip().replace("`", "`\u200b")
    room = MESSAGE_LIMIT - len(text) - len(head) - len(tail)
    if room < _MIN_ROOM:
        return text
    if len(body) > room:
        body = body[: room - 1] + "…"
    return text + head + body + tail


def settings_used(options: VideoOptions, kind: str, locale: str | None = None) -> str:
    """Say what a video is made with: model, size, length, fps (the service's default where none was
    chosen), then quality and sound when chosen."""
    spec = MODELS.get(options.model)
    parts = [options.model]
    if options.size:
        parts.append(options.size.replace("x", "×"))
    elif spec is None or spec.sizes:  # a model without sizes (cogvideox-flash) makes one fixed size
        parts.append(t("settings.size_picture" if kind == "image" else "settings.size_default", locale))
    parts.append(t("settings.seconds", locale, seconds=options.duration or DEFAULT_DURATION))
    if options.fps or spec is None or spec.fps:
        parts.append(t("settings.fps", locale, fps=options.fps or DEFAULT_FPS))
    if options.quality:
        parts.append(t(f"settings.quality_{options.quality}", locale))
    if options.with_audio:
        parts.append(t("settings.audio", locale))
    return " · ".join(parts)


def ts(epoch: float, style: str = "R") -> str:
    """Return a Discord timestamp, which each member's client renders and counts on its own."""
    return f"<t:{int(epoch)}:{style}>"


def failure(code: str | None, locale: str) -> str:
    """Say why a job ended without a video."""
    key = f"failure.{code}" if code in FAILURE_CODES else "failure.generation_failed"
    return t(key, locale)


def notice(code: str, locale: str) -> str:
    """Say why a queued job waits."""
    key = f"notice.{code}"
    return t(key, locale) if key in catalogs()["en"]["messages"] else code


def refusal(err: UserFacingError, locale: str | None = None) -> str:
    """Say why a request was refused, which rule applied, and what the member can do."""
    if isinstance(err, InvalidPrompt):
        if err.reason == "too_long":
            return t("refusal.prompt_too_long", locale, length=err.length, limit=err.limit)
        return t("refusal.prompt_empty", locale)
    if isinstance(err, InvalidOptions):
        allowed = t("refusal.allowed_values", locale, values=", ".join(err.allowed)) if err.allowed else ""
        if err.option == "model":
            return t("refusal.model_unknown", locale, value=err.value, allowed=allowed)
        if not err.allowed:
            return t("refusal.option_unsupported", locale, model=err.model, option=err.option)
        return t("refusal.option_invalid", locale, model=err.model, option=err.option, value=err.value, allowed=allowed)
    if isinstance(err, InvalidImage):
        key = f"image.{err.reason}"
        return t(key if key in catalogs()["en"]["messages"] else "image.corrupt", locale)
    if isinstance(err, BudgetExhausted):
        return t(
            f"refusal.budget_{err.period}",
            locale,
            spent=format_credits(err.spent),
            cap=format_credits(err.cap),
            price=format_credits(err.price),
            reset=ts(err.resets_at),
        )
    if isinstance(err, MemberLimitReached):
        return t(f"refusal.member_{err.period}", locale, used=err.used, limit=err.limit, reset=ts(err.resets_at))
    if isinstance(err, InFlightLimit):
        return t(f"refusal.in_flight_{err.scope}", locale, limit=err.limit)
    if isinstance(err, Refused):
        return _rule(err, locale)
    if isinstance(err, NotInGuild):
        return t("refusal.not_in_guild", locale)
    return t("refusal.generic", locale)


def _rule(err: Refused, locale: str | None) -> str:
    d = err.detail
    if err.rule == "blocked":
        return t("refusal.blocked", locale, reason=d.get("reason") or "—")
    if err.rule == "channel":
        return t("refusal.channel", locale, channels=", ".join(f"<#{c}>" for c in d.get("channels", ())))  # type: ignore[attr-defined]
    if err.rule == "role":
        return t("refusal.role", locale, roles=", ".join(f"<@&{r}>" for r in d.get("roles", ())))  # type: ignore[attr-defined]
    if err.rule == "blocklist":
        return t("refusal.blocklist", locale, word=d.get("word"))
    return t(f"refusal.{err.rule}", locale)
