"""Every sentence a member reads, in one place (the moderation issue adds translations here)."""

from __future__ import annotations

from bot.errors import (
    BudgetExhausted,
    InvalidImage,
    InvalidOptions,
    InvalidPrompt,
    MemberLimitReached,
    NotInGuild,
    UserFacingError,
)
from bot.models import format_credits

_IMAGE_REASONS = {
    "not_image": "That file isn't a picture I can read. Please use a PNG, JPEG, WebP or GIF image.",
    "too_large": "That picture is too large. Please use one under 25 MB and 40 megapixels.",
    "bad_shape": "That picture's shape won't animate well. Use one at least 64 px on each side and no "
    "more than 4 times wider than tall (or taller than wide).",
    "corrupt": "That picture seems damaged and can't be opened. Please try another copy.",
    "unreachable": "I couldn't download that picture from Discord. Please try again in a moment.",
    "missing": "I couldn't find a picture there. Attach one, or use **Apps → Animate image** on a message "
    "that has one.",
}

FAILURES = {
    "content_rejected": "The video service declined this prompt or picture under its content rules. "
    "Nothing was charged. Try wording it differently.",
    "invalid_request": "The video service couldn't accept these settings. Nothing was charged.",
    "provider_account": "The video service refused the server owner's account, so nothing was made or "
    "charged. The bot's operator has been told.",
    "generation_failed": "The video service couldn't finish this video. Sorry! You can try again.",
    "deadline": "The video service took too long, so I stopped waiting. Try again later.",
    "queue_timeout": "The queue was too long to start this video in time. Nothing was charged.",
    "unknown_submission": "I couldn't confirm that the video service took this request, so I stopped "
    "rather than risk paying twice. Please try again.",
}


NOTICES = {
    "provider_busy": "The video service is busy right now; your video starts as soon as it has room.",
    "provider_balance": "The video service account has run out of credit. Your video will start once the "
    "bot's operator tops it up; if that takes too long, the request ends and nothing is charged.",
    "provider_down": "The video service isn't answering right now; I'll keep trying.",
}


def ts(epoch: float, style: str = "R") -> str:
    """Return a Discord timestamp, which each member's client renders and counts on its own."""
    return f"<t:{int(epoch)}:{style}>"


def refusal(err: UserFacingError) -> str:
    """Say why a request was refused, which rule applied, and what the member can do."""
    if isinstance(err, InvalidPrompt):
        if err.reason == "too_long":
            return f"Your prompt is {err.length} characters; the limit is {err.limit}. Please shorten it."
        return "Please describe the video you want: the prompt is empty."
    if isinstance(err, InvalidOptions):
        allowed = f" Choose one of: {', '.join(err.allowed)}." if err.allowed else ""
        if err.option == "model":
            return f"`{err.value}` isn't a model I know.{allowed}"
        if not err.allowed:
            return f"`{err.model}` doesn't support the `{err.option}` option. Leave it out, or pick another model."
        return f"`{err.model}` doesn't accept {err.option} `{err.value}`.{allowed}"
    if isinstance(err, InvalidImage):
        return _IMAGE_REASONS.get(err.reason, _IMAGE_REASONS["corrupt"])
    if isinstance(err, BudgetExhausted):
        return (
            f"This server's video budget for today is used up ({format_credits(err.spent)} of "
            f"{format_credits(err.cap)} credits; a video costs {format_credits(err.price)}). It resets "
            f"{ts(err.resets_at)}. A moderator can raise it with `/reelbot-mod budget`."
        )
    if isinstance(err, MemberLimitReached):
        return f"You've made {err.used} of your {err.limit} videos this hour. You can make another {ts(err.resets_at)}."
    if isinstance(err, NotInGuild):
        return "Videos are made inside servers, where the server's budget pays for them. Please use me in a server."
    return "I can't do that right now."
