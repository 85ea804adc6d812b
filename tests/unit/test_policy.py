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
    split_words,
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
    with pytest.raises(ValueError, match="slow"):
        validate_pattern("(a+)+$", is_regex=True)
    with pytest.raises(ValueError, match="invalid"):
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


@pytest.mark.parametrize(
    ("word", "prompt", "hit"),
    [
        ("血腥", "一个血腥的场面", True),  # Chinese has no spaces between words: match inside the sentence
        ("血腥", "血腥", True),
        ("gore", "一个gore场面", True),  # a Latin word between Chinese characters
        ("gore", "lots of GORE please", True),
        ("gore", "a gorgeous sunset", False),  # whole words in spaced scripts
        ("gore", "ungored", False),
        ("暴力 scene", "这是暴力 scene啊", True),
        ("血腥", "一个血色的场面", False),
    ],
)
def test_plain_words_match_as_readers_of_each_script_expect(word: str, prompt: str, hit: bool) -> None:
    """A CJK word matches inside a sentence; a Latin word still matches whole words only."""
    assert (blocked_word((BlockedWord(word),), prompt) is not None) is hit


def test_the_refusal_carries_the_members_own_word_never_the_pattern() -> None:
    """A member refused by a regex sees what they wrote, not the moderators' expression."""
    policy = GuildPolicy(blocklist=(BlockedWord(r"g[o0]re\w*", is_regex=True),))
    with pytest.raises(Refused) as caught:
        check(policy, ctx(prompt="so much G0REFEST"))
    assert caught.value.detail["word"] == "G0REFEST" and caught.value.detail["pattern"] == r"g[o0]re\w*"


def test_a_list_of_words_splits_on_commas_and_new_lines() -> None:
    assert split_words("gore, 血腥，暴力、blood\n  bad word ;") == ["gore", "血腥", "暴力", "blood", "bad word"]


async def test_a_stale_enough_policy_is_read_once_and_this_stores_own_changes_apply_at_once(tmp_path) -> None:
    """Deliveries and log lines may use rules read up to max_age_s ago (one read, not one per job); a fresh read,
    and this store's own change, never serve an old copy; another process's change arrives within max_age_s."""
    from bot.store.sqlite import open_sqlite

    ours, theirs = await open_sqlite(tmp_path / "db.sqlite3"), await open_sqlite(tmp_path / "db.sqlite3")
    try:
        await theirs.save_policy(5, GuildPolicy(locale="en"), by=1, at=1.0)
        assert (await ours.get_policy(5, max_age_s=60)).locale == "en"
        await theirs.save_policy(5, GuildPolicy(locale="zh-CN"), by=1, at=2.0)
        assert (await ours.get_policy(5, max_age_s=60)).locale == "en"  # another process's change: not yet
        assert (await ours.get_policy(5)).locale == "zh-CN"  # a fresh read
        await ours.change_policy(5, lambda _: {"locale": "zh-TW"}, by=1, at=3.0)
        assert (await ours.get_policy(5, max_age_s=60)).locale == "zh-TW"  # our own change, at once
        await theirs.save_policy(5, GuildPolicy(locale="en"), by=1, at=4.0)
        time.sleep(0.05)
        assert (await ours.get_policy(5, max_age_s=0.01)).locale == "en"  # older than max_age_s: read again
    finally:
        await ours.close()
        await theirs.close()
