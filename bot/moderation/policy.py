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
    parent_channel_id: int | None = None  # for a thread or a forum post: the channel it lives in
    options: VideoOptions | None = None  # what is asked of the provider (model and options)


class InvalidPattern(ValueError):
    """A blocklist entry that cannot be used; ``reason`` says why, ``detail`` carries the specifics."""

    def __init__(self, reason: str, detail: str = "") -> None:
        self.reason, self.detail = reason, detail
        super().__init__(f"{reason}: {detail}" if detail else reason)


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
    allowed_here = {ctx.channel_id, ctx.parent_channel_id} & set(policy.allowed_channels)  # threads too
    if policy.allowed_channels and not allowed_here and not ctx.is_moderator:
        raise Refused("channel", channels=policy.allowed_channels)
    if policy.allowed_roles and not ctx.role_ids & set(policy.allowed_roles) and not ctx.is_moderator:
        raise Refused("role", roles=policy.allowed_roles)
    if ctx.kind == "image" and policy.animate_nsfw_only and not ctx.channel_nsfw:
        raise Refused("nsfw")
    if ctx.options is not None:
        check_model(policy, ctx.options)
    found = blocked_match(policy.blocklist, ctx.prompt)
    if found is not None:
        pattern, matched = found
        raise Refused("blocklist", word=matched, pattern=pattern)  # the member is shown their own word only


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


# A word char of a script that separates words with spaces: a plain word must not touch one.
_SPACED = r"[^\W\p{Han}\p{Hiragana}\p{Katakana}]"


def word_pattern(word: str) -> str:
    """Return the expression for a plain word: whole words in spaced scripts, anywhere in Chinese or Japanese.

    "gore" matches "lots of GORE" and "一个gore场面" but not "gorest"; "血腥" matches "一个血腥的场面".
    """
    body: str = regex.escape(word)
    left = f"(?<!{_SPACED})" if regex.match(_SPACED, word[0]) else ""
    right = f"(?!{_SPACED})" if regex.match(_SPACED, word[-1]) else ""
    return left + body + right


def blocked_match(blocklist: tuple[BlockedWord, ...], prompt: str) -> tuple[str, str] | None:
    """Return the first entry the prompt matches and the matched text; a pattern that times out matches."""
    for entry in blocklist:
        pattern = entry.pattern if entry.is_regex else word_pattern(entry.pattern)
        try:
            found = regex.search(pattern, prompt, flags=regex.IGNORECASE, timeout=REGEX_TIMEOUT_S)
        except TimeoutError:
            return entry.pattern, ""  # refuse rather than hang or let it through
        if found:
            return entry.pattern, found.group(0)
    return None


def blocked_word(blocklist: tuple[BlockedWord, ...], prompt: str) -> str | None:
    """Return the first blocklist entry the prompt matches; a pattern that times out counts as a match."""
    found = blocked_match(blocklist, prompt)
    return found[0] if found else None


def split_words(text: str) -> list[str]:
    """Split a moderator's list of words: commas (, ，、), semicolons and new lines separate them."""
    return [w.strip() for w in regex.split(r"[,，、;；\n]+", text) if w.strip()]


def validate_pattern(pattern: str, *, is_regex: bool) -> BlockedWord:
    """Check a new blocklist entry; a regex must compile and stay fast on hostile input.

    Raises:
        InvalidPattern: ``reason`` is "length", "invalid" or "slow" (a ValueError).
    """
    pattern = pattern.strip()
    if not pattern or len(pattern) > PATTERN_MAX:
        raise InvalidPattern("length", str(PATTERN_MAX))
    if not is_regex:
        return BlockedWord(pattern)
    try:
        compiled = regex.compile(pattern, flags=regex.IGNORECASE)
    except regex.error as exc:
        raise InvalidPattern("invalid", str(exc)) from None
    for probe in ("a" * 5000 + "!", "ab" * 2500 + "\n", "x" * 2000 + " " + "y" * 2000):
        try:
            compiled.search(probe, timeout=REGEX_TIMEOUT_S)
        except TimeoutError:
            raise InvalidPattern("slow") from None
    return BlockedWord(pattern, is_regex=True)
