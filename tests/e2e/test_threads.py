"""Threads and forum posts belong to their channel: under an allowed channel they are allowed, and a
forum can itself be an allowed channel."""

from __future__ import annotations

from tests.e2e.test_moderation import mod
from tests.e2e.test_video import finished, prompt
from tests.standins.fake_discord import FakeDiscord
from tests.standins.fake_video import FakeVideoAPI


async def test_threads_and_forum_posts_under_allowed_channels_are_allowed(
    discord_api: FakeDiscord, video_api: FakeVideoAPI, make_bot
) -> None:
    await make_bot()
    option, resolved = discord_api.channel_option("channel", discord_api.channel_id)
    await mod(discord_api, "channel", [option], resolved)  # only #general

    in_thread = await discord_api.slash("video", prompt("a fox"), channel=discord_api.thread(discord_api.channel_id))
    reply = await discord_api.wait_for(lambda: finished(discord_api, in_thread), what="the video in a thread")
    assert reply.title == "✅ Your video is ready"

    post = discord_api.thread(discord_api.forum_id, name="my art")
    refused = await discord_api.slash("video", prompt("a bear"), channel=post)
    answer = await discord_api.wait_for(lambda: discord_api.reply_to(refused), what="the refusal")
    assert answer.flags & 64 and f"<#{discord_api.channel_id}>" in (answer.content or "")

    option, resolved = discord_api.channel_option("channel", discord_api.forum_id, kind=15)
    saved = await mod(discord_api, "channel", [option], resolved)  # a forum can be chosen
    assert f"<#{discord_api.forum_id}>" in (saved.content or "")
    in_post = await discord_api.slash("video", prompt("a bear"), channel=post)
    reply = await discord_api.wait_for(lambda: finished(discord_api, in_post), what="the video in a forum post")
    assert reply.title == "✅ Your video is ready"
    assert [s["prompt"] for s in video_api.submits] == ["a fox", "a bear"]
