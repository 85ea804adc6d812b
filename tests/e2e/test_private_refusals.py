"""Every refusal is private: the public "thinking…" reply is sent first (before any store or network
call), and a refusal found after it removes it and answers with an ephemeral follow-up, so nothing of
a refused request stays in the channel."""

from __future__ import annotations

from typing import Any

from tests.e2e.test_animate import png
from tests.e2e.test_moderation import mod
from tests.e2e.test_video import finished, prompt
from tests.standins.fake_discord import FakeDiscord, Interaction
from tests.standins.fake_video import FakeVideoAPI


async def refused_privately(discord_api: FakeDiscord, inter: Interaction) -> str:
    """Wait for the refusal; check the defer came first and that nobody else can see a thing."""
    answer = await discord_api.wait_for(
        lambda: next((m for m in discord_api.answers(inter) if m.flags & 64 and m.content), None),
        what="a private refusal",
    )
    assert inter.callback == {"type": 5}, "the acknowledgement must come before the store is read"
    public = [m for m in discord_api.answers(inter) if not m.flags & 64]
    assert public == [], [m.content for m in public]
    assert len(discord_api.answers(inter)) == 1
    return str(answer.content)


def option(name: str, value: Any, kind: int = 4) -> dict[str, Any]:
    return {"name": name, "type": kind, "value": value}


async def test_the_monthly_budget_refusal_leaves_nothing_public(
    discord_api: FakeDiscord, video_api: FakeVideoAPI, make_bot
) -> None:
    await make_bot(PRICE_PER_VIDEO="0.1")
    await mod(discord_api, "budget", [option("monthly", "0.1", kind=3)])
    first = await discord_api.slash("video", prompt("one"))
    await discord_api.wait_for(lambda: finished(discord_api, first), what="the first video")
    seen = discord_api.public_in(discord_api.channel_id)
    second = await discord_api.slash("video", prompt("two"))
    assert "month" in await refused_privately(discord_api, second)
    assert discord_api.public_in(discord_api.channel_id) == seen and len(video_api.submits) == 1


async def test_the_daily_member_limit_refusal_leaves_nothing_public(
    discord_api: FakeDiscord, video_api: FakeVideoAPI, make_bot
) -> None:
    await make_bot()
    await mod(discord_api, "limits", [option("per_day", 1)])
    member = discord_api.user(name="dana")
    first = await discord_api.slash("video", prompt("one"), user=member)
    await discord_api.wait_for(lambda: finished(discord_api, first), what="the first video")
    seen = discord_api.public_in(discord_api.channel_id)
    second = await discord_api.slash("video", prompt("two"), user=member)
    assert "today" in await refused_privately(discord_api, second)
    assert discord_api.public_in(discord_api.channel_id) == seen


async def test_the_server_daily_budget_refusal_leaves_nothing_public(
    discord_api: FakeDiscord, video_api: FakeVideoAPI, make_bot
) -> None:
    await make_bot(GUILD_DAILY_BUDGET="0.1", PRICE_PER_VIDEO="0.1")
    first = await discord_api.slash("video", prompt("one"))
    await discord_api.wait_for(lambda: finished(discord_api, first), what="the first video")
    second = await discord_api.slash("video", prompt("two"))
    assert "budget for today is used up" in await refused_privately(discord_api, second)


async def test_the_at_once_limit_refusal_leaves_nothing_public(
    discord_api: FakeDiscord, video_api: FakeVideoAPI, make_bot
) -> None:
    video_api.duration = 5.0
    await make_bot()
    await mod(discord_api, "limits", [option("member_at_once", 1)])
    member = discord_api.user(name="eli")
    await discord_api.slash("video", prompt("slow one"), user=member)
    await discord_api.wait_for(lambda: len(video_api.submits) == 1, what="the first submit")
    second = await discord_api.slash("video", prompt("another"), user=member)
    assert "on the way" in await refused_privately(discord_api, second)


async def test_a_picture_that_fails_to_decode_leaves_nothing_public(
    discord_api: FakeDiscord, video_api: FakeVideoAPI, make_bot
) -> None:
    await make_bot()
    corrupt = png()[:100]
    attachment = discord_api.attachment(discord_api.host_file("broken.png", corrupt), size=len(corrupt))
    inter = await discord_api.slash(
        "animate",
        [{"name": "image", "type": 11, "value": attachment["id"]}],
        resolved={"attachments": {attachment["id"]: attachment}},
    )
    assert "seems damaged" in await refused_privately(discord_api, inter)
    assert discord_api.public_in(discord_api.channel_id) == [] and video_api.submits == []
