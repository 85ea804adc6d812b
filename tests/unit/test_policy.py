"""The server's rules, one by one (pure functions, no Discord)."""

from __future__ import annotations

import time

import pytest

from bot.models import BlockedWord, GuildPolicy
from bot.moderation.policy import (
    Refused,
    RequestContext,
    blocked_word,
    check,
    exempt_from_member_limits,
    needs_approval,
    validate_pattern,
)


def ctx(**changes: object) -> RequestContext:
    base: dict[str, object] = {
        "user_id": 1,
        "role_ids": frozenset(),
        "channel_id": 10,
        "channel_nsfw": False,
        "kind": "text",
        "prompt": "a fox",
        "is_moderator": False,
    }
    base.update(changes)
    return RequestContext(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("policy", "request_ctx", "rule"),
    [
        (GuildPolicy(blocked={1: "spam"}), ctx(), "blocked"),
        (GuildPolicy(allowed_channels=(11,)), ctx(), "channel"),
        (GuildPolicy(allowed_roles=(5,)), ctx(role_ids=frozenset({6})), "role"),
        (GuildPolicy(animate_nsfw_only=True), ctx(kind="image"), "nsfw"),
        (GuildPolicy(blocklist=(BlockedWord("gore"),)), ctx(prompt="So much GORE!"), "blocklist"),
        (GuildPolicy(blocklist=(BlockedWord(r"b[a@]d\w*", is_regex=True),)), ctx(prompt="a b@dword"), "blocklist"),
    ],
)
def test_each_rule_refuses_with_its_name(policy: GuildPolicy, request_ctx: RequestContext, rule: str) -> None:
    with pytest.raises(Refused) as info:
        check(policy, request_ctx)
    assert info.value.rule == rule


@pytest.mark.parametrize(
    ("policy", "request_ctx"),
    [
        (GuildPolicy(), ctx()),
        (GuildPolicy(allowed_channels=(10,)), ctx()),
        (GuildPolicy(allowed_channels=(11,)), ctx(is_moderator=True)),
        (GuildPolicy(allowed_roles=(5,)), ctx(role_ids=frozenset({5}))),
        (GuildPolicy(animate_nsfw_only=True), ctx(kind="image", channel_nsfw=True)),
        (GuildPolicy(animate_nsfw_only=True), ctx(kind="text")),
        (GuildPolicy(blocklist=(BlockedWord("gore"),)), ctx(prompt="a gorgeous sunset")),  # whole words only
    ],
)
def test_allowed_requests_pass(policy: GuildPolicy, request_ctx: RequestContext) -> None:
    check(policy, request_ctx)


def test_exempt_and_trusted_roles() -> None:
    policy = GuildPolicy(exempt_roles=(7,), approval=True, trusted_roles=(8,))
    assert exempt_from_member_limits(policy, ctx(role_ids=frozenset({7})))
    assert not exempt_from_member_limits(policy, ctx())
    assert needs_approval(policy, ctx()) and not needs_approval(policy, ctx(role_ids=frozenset({8})))
    assert not needs_approval(policy, ctx(is_moderator=True))
    assert not needs_approval(GuildPolicy(), ctx())


def test_a_catastrophic_regex_is_refused_when_added() -> None:
    with pytest.raises(ValueError, match="too slow"):
        validate_pattern("(a+)+$", is_regex=True)
    with pytest.raises(ValueError, match="not a valid regular expression"):
        validate_pattern("(unclosed", is_regex=True)
    assert validate_pattern(r"\bbad\b", is_regex=True).is_regex


def test_a_slow_pattern_already_stored_cannot_hang_the_bot() -> None:
    evil = (BlockedWord("(x+x+)+y", is_regex=True),)
    started = time.perf_counter()
    assert blocked_word(evil, "x" * 5000) == "(x+x+)+y"  # timed out: treated as a match, refused
    assert time.perf_counter() - started < 1.0


def test_policy_round_trips_through_json() -> None:
    policy = GuildPolicy(
        daily_budget=5,
        monthly_budget=50,
        prices={"cogvideox-3": 300_000},
        blocked={42: "spam"},
        blocklist=(BlockedWord("x"), BlockedWord("y+", is_regex=True)),
        exempt_roles=(1, 2),
        approval=True,
        log_channel=99,
        locale="zh-CN",
    )
    again = GuildPolicy.from_json(policy.to_json())
    assert again.replace(daily_budget=5) == policy
    assert GuildPolicy.from_json('{"unknown_future_key": 1}') == GuildPolicy()
