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
from bot.models import ErrorCode, VideoOptions, format_credits
from bot.moderation.policy import Refused
from bot.provider.catalogue import active
from bot.ui.i18n import catalogs, t

FAILURE_CODES = tuple(ErrorCode)


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
    spec = active().get(options.model)
    defaults = spec.defaults if spec is not None else {}
    parts = [options.model]
    if options.size:
        parts.append(options.size.replace("x", "×"))
    elif spec is not None and spec.sizes:  # a model without sizes (cogvideox-flash) makes one fixed size
        parts.append(t("settings.size_picture" if kind == "image" else "settings.size_default", locale))
    if options.duration or defaults.get("duration"):
        parts.append(t("settings.seconds", locale, seconds=options.duration or defaults.get("duration")))
    if options.fps or (spec is not None and spec.fps and defaults.get("fps")):
        parts.append(t("settings.fps", locale, fps=options.fps or defaults.get("fps")))
    parts += [extra for extra in (options.style, options.aspect_ratio, options.movement_amplitude) if extra]  # Vidu
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
    known = code if code in FAILURE_CODES else ErrorCode.GENERATION_FAILED
    key = f"failure.{known}"
    return t(key, locale)


def notice(code: str, locale: str) -> str:
    """Say why a queued job waits."""
    key = f"notice.{code}"
    return t(key, locale) if key in catalogs()["en"]["messages"] else code


def option_name(option: str, locale: str | None) -> str:
    """Name a video option as members read it ("size", "尺寸")."""
    key = f"option.{option}"
    return t(key, locale) if key in catalogs()["en"]["messages"] else option


def option_value(option: str, value: object, locale: str | None) -> str:
    """Show one option's value in the reader's words (model ids and numbers stay as they are)."""
    text = str(value)
    if option == "size" and "x" in text:
        width, _, height = text.partition("x")
        return t("job.options.size", locale, width=width, height=height)
    if option == "duration":
        return t("value.seconds", locale, n=text)
    if option == "fps":
        return t("value.fps", locale, n=text)
    if option == "quality" and f"value.{text}" in catalogs()["en"]["messages"]:
        return t(f"value.{text}", locale)
    return text


def options_summary(options: VideoOptions, locale: str | None) -> str:
    """Describe a job's options in one short line, defaults left out."""
    parts = [options.model]
    for name in ("size", "duration", "fps", "quality"):
        value = getattr(options, name)
        if value:
            parts.append(option_value(name, value, locale))
    if options.with_audio:
        parts.append(t("value.audio", locale))
    return " · ".join(parts)


def rule_name(err: object, locale: str | None) -> str:
    """Name the rule or limit behind a refusal, for the log channel (never a class name)."""
    if isinstance(err, Refused):
        key = f"rule.{err.rule}"
    else:
        kinds = (
            (BudgetExhausted, "budget"), (MemberLimitReached, "member_limit"), (InFlightLimit, "in_flight"),
            (InvalidPrompt, "prompt"), (InvalidOptions, "options"), (InvalidImage, "image"),
            (NotInGuild, "not_in_guild"),
        )  # fmt: skip
        key = next((f"rule.{name}" for kind, name in kinds if isinstance(err, kind)), "rule.other")
    return t(key if key in catalogs()["en"]["messages"] else "rule.other", locale)


def refusal(err: UserFacingError, locale: str | None = None) -> str:
    """Say why a request was refused, which rule applied, and what the member can do."""
    if isinstance(err, InvalidPrompt):
        if err.reason == "too_long":
            return t("refusal.prompt_too_long", locale, length=err.length, limit=err.limit)
        return t("refusal.prompt_empty", locale)
    if isinstance(err, InvalidOptions):
        values = t("mod.sep", locale).join(option_value(err.option, a, locale) for a in err.allowed)
        allowed = t("refusal.allowed_values", locale, values=values) if err.allowed else ""
        if err.option == "images":
            return _pictures(err, locale)
        if err.option == "start_end_quality":
            return t("refusal.start_end_quality", locale, model=err.model)
        if err.option == "model":
            return t("refusal.model_unknown", locale, value=err.value, allowed=allowed)
        option = option_name(err.option, locale)
        if not err.allowed:
            return t("refusal.option_unsupported", locale, model=err.model, option=option)
        value = option_value(err.option, err.value, locale)
        return t("refusal.option_invalid", locale, model=err.model, option=option, value=value, allowed=allowed)
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
        channels = t("mod.sep", locale).join(f"<#{c}>" for c in d.get("channels", ()))  # type: ignore[attr-defined]
        return t("refusal.channel", locale, channels=channels)
    if err.rule == "role":
        roles = t("mod.sep", locale).join(f"<@&{r}>" for r in d.get("roles", ()))  # type: ignore[attr-defined]
        return t("refusal.role", locale, roles=roles)
    if err.rule == "blocklist":
        return t("refusal.blocklist", locale, word=d.get("word"))
    return t(f"refusal.{err.rule}", locale)
