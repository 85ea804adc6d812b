"""Budgets and limits through the real bot: refusals, quota, and the moderators' command."""

from __future__ import annotations

from tests.e2e.test_video import finished, prompt
from tests.standins.fake_discord import MANAGE_GUILD, MEMBER_PERMS, FakeDiscord
from tests.standins.fake_video import FakeVideoAPI


async def test_request_past_the_daily_budget_is_refused_privately_with_the_reset_time(
    discord_api: FakeDiscord, video_api: FakeVideoAPI, make_bot
) -> None:
    await make_bot(GUILD_DAILY_BUDGET="0.2", PRICE_PER_VIDEO="0.1", USER_HOURLY_LIMIT="10")
    for text in ("one", "two"):
        inter = await discord_api.slash("video", prompt(text))
        await discord_api.wait_for(lambda i=inter: finished(discord_api, i), what=f"video {text}")
    third = await discord_api.slash("video", prompt("three"))
    answer = await discord_api.wait_for(lambda: discord_api.reply_to(third), what="the refusal")
    assert answer.flags & 64
    assert "budget for today is used up (0.2 of 0.2 credits" in answer.content
    assert "resets <t:" in answer.content
    assert len(video_api.submits) == 2


async def test_hourly_member_limit_counts_per_member(
    discord_api: FakeDiscord, video_api: FakeVideoAPI, make_bot
) -> None:
    await make_bot(USER_HOURLY_LIMIT="1")
    alice, bob = discord_api.user(name="alice"), discord_api.user(name="bob")
    first = await discord_api.slash("video", prompt("alice one"), user=alice)
    await discord_api.wait_for(lambda: finished(discord_api, first), what="alice's video")
    again = await discord_api.slash("video", prompt("alice two"), user=alice)
    answer = await discord_api.wait_for(lambda: discord_api.reply_to(again), what="the refusal")
    assert answer.flags & 64 and "1 of your 1 videos this hour" in answer.content
    other = await discord_api.slash("video", prompt("bob one"), user=bob)
    await discord_api.wait_for(lambda: finished(discord_api, other), what="bob's video")
    assert [s["prompt"] for s in video_api.submits] == ["alice one", "bob one"]


async def test_moderator_sets_the_budget(discord_api: FakeDiscord, video_api: FakeVideoAPI, make_bot) -> None:
    """Who may run /reelbot-mod is Discord's to decide (Manage Server by default): see test_moderators.py."""
    await make_bot(GUILD_DAILY_BUDGET="0.1")
    budget = [{"name": "budget", "type": 1, "options": [{"name": "daily", "type": 3, "value": "0.3"}]}]
    synced = {c["name"]: c for c in discord_api.commands}
    assert int(synced["reelbot-mod"]["default_member_permissions"]) == MANAGE_GUILD

    mod = await discord_api.slash("reelbot-mod", budget, permissions=MEMBER_PERMS | MANAGE_GUILD)
    answer = await discord_api.wait_for(lambda: discord_api.reply_to(mod), what="the confirmation")
    assert "Saved. Daily budget: **0.3 credits**" in answer.content

    quota = await discord_api.slash("reelbot", [{"name": "quota", "type": 1}])
    answer = await discord_api.wait_for(lambda: discord_api.reply_to(quota), what="the quota")
    assert "0.3 of 0.3 credits left" in str(answer.embeds[0])
    assert "3 of 3 videos left this hour" in str(answer.embeds[0])

    bad = [{"name": "budget", "type": 1, "options": [{"name": "daily", "type": 3, "value": "lots"}]}]
    inter = await discord_api.slash("reelbot-mod", bad, permissions=MEMBER_PERMS | MANAGE_GUILD)
    answer = await discord_api.wait_for(lambda: discord_api.reply_to(inter), what="the refusal")
    assert "isn't an amount" in answer.content
