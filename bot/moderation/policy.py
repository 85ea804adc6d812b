"""A server's rules: who may generate, where, what, how much — and the checks that apply them.

Pure code: the policy is a plain dataclass (stored as JSON), a request's context is plain ids, and a
refusal is a typed error that says which rule applied. Nothing here touches money; the spending
limits live in bot/spending and are checked in the same transaction that reserves the price.
"""

from __future__ import annotations

from dataclasses import dataclass

import regex

from bot.errors import UserFacingError
from bot.models import BlockedWord, GuildPolicy, VideoOptions
from bot.provider.catalogue import Catalogue, active

REGEX_TIMEOUT_S = 0.05  # a pattern that needs longer than this on a prompt is refused, never hangs the bot
PATTERN_MAX = 200


@dataclass(frozen=True)
class RequestContext:
    """Who asks, where, and for what (ids only)."""

    user_id: int
    role_ids: frozenset[int]
    channel_id: int
    channel_nsfw: bool
    kind: str  # "text" or "image"
    prompt: str
    is_moderator: bool = False
    options: VideoOptions | None = None  # what is asked of the provider (model and options)


class Refused(UserFacingError):
    """A moderation rule refused the request; ``rule`` names it, ``detail`` carries what to show."""

    def __init__(self, rule: str, **detail: object) -> None:
        self.rule, self.detail = rule, detail
        super().__init__(f"refused by rule {rule}")


def check(policy: GuildPolicy, ctx: RequestContext) -> None:
    """Apply the server's rules to a request, cheapest first.

    Raises:
        Refused: rule "blocked", "channel", "role", "nsfw", "model", "option_forbidden" or "blocklist".
    """
    if ctx.user_id in policy.blocked:
        raise Refused("blocked", reason=policy.blocked[ctx.user_id])
    if policy.allowed_channels and ctx.channel_id not in policy.allowed_channels and not ctx.is_moderator:
        raise Refused("channel", channels=policy.allowed_channels)
    if policy.allowed_roles and not ctx.role_ids & set(policy.allowed_roles) and not ctx.is_moderator:
        raise Refused("role", roles=policy.allowed_roles)
    if ctx.kind == "image" and policy.animate_nsfw_only and not ctx.channel_nsfw:
        raise Refused("nsfw")
    if ctx.options is not None:
        check_model(policy, ctx.options)
    word = blocked_word(policy.blocklist, ctx.prompt)
    if word is not None:
        raise Refused("blocklist", word=word)


def check_model(policy: GuildPolicy, options: VideoOptions, catalogue: Catalogue | None = None) -> None:
    """Refuse a model the server does not use, or an expensive option its moderators turned off.

    Raises:
        Refused: rule "model" (with the server's models) or "option_forbidden" (with the option's name).
    """
    if policy.models and options.model not in policy.models:
        raise Refused("model", model=options.model, models=policy.models)
    forbidden = [name for name in (catalogue or active()).expensive_in(options.chosen()) if name in policy.forbidden]
    if forbidden:
        raise Refused("option_forbidden", option=forbidden[0])


def model_for(
    policy: GuildPolicy,
    *,
    fallback: str,
    pictures: int,
    base_url: str | None = None,
    catalogue: Catalogue | None = None,
) -> str:
    """Return the model for a member who did not pick one: the server's default if it can take
    ``pictures`` pictures, else the operator's, else the first model the server uses that can."""
    cat = catalogue or active()
    names = [policy.default_model, fallback, *(m.name for m in cat.offered(base_url))]
    for name in names:
        spec = cat.get(name) if name else None
        if spec is not None and (not policy.models or spec.name in policy.models) and spec.mode_for(pictures):
            return spec.name
    return policy.default_model or fallback


def exempt_from_member_limits(policy: GuildPolicy, ctx: RequestContext) -> bool:
    """Return True for members with an exempt role."""
    return bool(ctx.role_ids & set(policy.exempt_roles))


def needs_approval(policy: GuildPolicy, ctx: RequestContext) -> bool:
    """Return True when approval mode is on and the member has no trusted role (moderators never wait)."""
    return policy.approval and not ctx.is_moderator and not ctx.role_ids & set(policy.trusted_roles)


def blocked_word(blocklist: tuple[BlockedWord, ...], prompt: str) -> str | None:
    """Return the first blocklist entry the prompt matches; a pattern that times out counts as a match."""
    for entry in blocklist:
        pattern = entry.pattern if entry.is_regex else rf"\b{regex.escape(entry.pattern)}\b"
        try:
            if regex.search(pattern, prompt, flags=regex.IGNORECASE, timeout=REGEX_TIMEOUT_S):
                return entry.pattern
        except TimeoutError:
            return entry.pattern  # refuse rather than hang or let it through
    return None


def validate_pattern(pattern: str, *, is_regex: bool) -> BlockedWord:
    """Check a new blocklist entry; a regex must compile and stay fast on hostile input.

    Raises:
        ValueError: with a reason a moderator can act on.
    """
    pattern = pattern.strip()
    if not pattern or len(pattern) > PATTERN_MAX:
        raise ValueError(f"a pattern must be 1 to {PATTERN_MAX} characters")
    if not is_regex:
        return BlockedWord(pattern)
    try:
        compiled = regex.compile(pattern, flags=regex.IGNORECASE)
    except regex.error as exc:
        raise ValueError(f"not a valid regular expression: {exc}") from None
    for probe in ("a" * 5000 + "!", "ab" * 2500 + "\n", "x" * 2000 + " " + "y" * 2000):
        try:
            compiled.search(probe, timeout=REGEX_TIMEOUT_S)
        except TimeoutError:
            raise ValueError("this expression is too slow (catastrophic backtracking); simplify it") from None
    return BlockedWord(pattern, is_regex=True)
