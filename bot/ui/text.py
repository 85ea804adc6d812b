"""Refusals and failures in the member's language (every sentence lives in bot/ui/locales)."""

from __future__ import annotations

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
from bot.models import format_credits
from bot.moderation.policy import Refused
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
        if err.option == "images":
            return _pictures(err, locale)
        if err.option == "start_end_quality":
            return t("refusal.start_end_quality", locale, model=err.model)
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


def _pictures(err: InvalidOptions, locale: str | None) -> str:
    """Say why the model cannot use this many pictures (``err.allowed`` holds its modes)."""
    count = int(str(err.value))
    if count == 0:
        return t("refusal.images_none", locale, model=err.model)
    if "text" in err.allowed and len(err.allowed) == 1:
        return t("refusal.images_text_only", locale, model=err.model)
    if count == 1 and "start_end" in err.allowed:
        return t("refusal.images_needs_two", locale, model=err.model)
    if count == 2:
        return t("refusal.images_two", locale, model=err.model)
    return t("refusal.images_too_many", locale, model=err.model, count=count)


def _rule(err: Refused, locale: str | None) -> str:
    d = err.detail
    if err.rule == "model":
        models = ", ".join(f"`{m}`" for m in d.get("models", ()))  # type: ignore[attr-defined]
        return t("refusal.model", locale, model=d.get("model"), models=models)
    if err.rule == "option_forbidden":
        return t("refusal.option_forbidden", locale, option=d.get("option"))
    if err.rule == "blocked":
        return t("refusal.blocked", locale, reason=d.get("reason") or "—")
    if err.rule == "channel":
        return t("refusal.channel", locale, channels=", ".join(f"<#{c}>" for c in d.get("channels", ())))  # type: ignore[attr-defined]
    if err.rule == "role":
        return t("refusal.role", locale, roles=", ".join(f"<@&{r}>" for r in d.get("roles", ())))  # type: ignore[attr-defined]
    if err.rule == "blocklist":
        return t("refusal.blocklist", locale, word=d.get("word"))
    return t(f"refusal.{err.rule}", locale)
