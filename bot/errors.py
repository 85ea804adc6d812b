"""The project's error tree.

User-facing errors carry structured attributes; the Discord layer (bot/ui) turns them into words,
so nothing here is phrased for a member and nothing here ever holds a secret.
"""

from __future__ import annotations


class BotError(Exception):
    """Root of every error raised by reelbot's own code."""


class ConfigError(BotError):
    """A setting is missing or malformed; the message names it and says how to fix it."""


class UserFacingError(BotError):
    """A refusal the member should see; it costs nothing and changes nothing."""


class InvalidPrompt(UserFacingError):
    """The prompt is empty, too long, or made only of characters we strip."""

    def __init__(self, *, reason: str, limit: int = 0, length: int = 0) -> None:
        self.reason, self.limit, self.length = reason, limit, length
        super().__init__(f"invalid prompt: {reason}")


class InvalidOptions(UserFacingError):
    """An option is not valid for the chosen model."""

    def __init__(self, *, option: str, value: object, model: str, allowed: tuple[str, ...] = ()) -> None:
        self.option, self.value, self.model, self.allowed = option, value, model, allowed
        super().__init__(f"option {option}={value!r} is not valid for {model}")


class InvalidImage(UserFacingError):
    """The picture cannot be used: not an image, too large, corrupt, or an odd shape."""

    def __init__(self, *, reason: str, detail: str = "") -> None:
        self.reason, self.detail = reason, detail
        super().__init__(f"invalid image: {reason} {detail}".strip())


class BudgetExhausted(UserFacingError):
    """The server's daily (or monthly) budget cannot cover this generation."""

    def __init__(self, *, cap: int, spent: int, price: int, resets_at: float, period: str = "day") -> None:
        self.cap, self.spent, self.price, self.resets_at, self.period = cap, spent, price, resets_at, period
        super().__init__(f"{period} budget reached ({spent}+{price} > {cap} micro-credits)")


class MemberLimitReached(UserFacingError):
    """The member has used their generations for this hour (or day)."""

    def __init__(self, *, limit: int, used: int, resets_at: float, period: str = "hour") -> None:
        self.limit, self.used, self.resets_at, self.period = limit, used, resets_at, period
        super().__init__(f"{period} limit reached ({used}/{limit})")


class InFlightLimit(UserFacingError):
    """Too many of the member's (or the server's) videos are being made right now."""

    def __init__(self, *, scope: str, limit: int) -> None:
        self.scope, self.limit = scope, limit
        super().__init__(f"{scope} in-flight limit reached ({limit})")


class NotInGuild(UserFacingError):
    """Generation works only inside a server, where a budget exists."""

    def __init__(self) -> None:
        super().__init__("generation works only in servers")
