"""Discord pushing back: rate limits, dead tokens, a deleted reply, lost access, refused uploads,
a dropped gateway. Every job still ends with the member seeing it, and nothing is hammered."""

from __future__ import annotations

from tests.e2e.test_video import finished, prompt
from tests.standins.fake_discord import FakeDiscord
from tests.standins.fake_video import TINY_MP4, FakeVideoAPI

TOKEN_EDIT = r"^/webhooks/\d+/[^/]+/messages/@original$"
CHANNEL_EDIT = r"^/channels/\d+/messages/\d+$"


def final_anywhere(discord_api: FakeDiscord, user_id: int):
    return next(
        (
            m
            for m in discord_api.messages.values()
            if m.title.startswith("✅") and (m.content or "").startswith(f"<@{user_id}>")
        ),
        None,
    )


async def test_a_429_is_waited_out_not_hammered(discord_api: FakeDiscord, video_api: FakeVideoAPI, make_bot) -> None:
    await make_bot()
    discord_api.fail("PATCH", TOKEN_EDIT, 429, 0, times=1, retry_after=0.7)
    inter = await discord_api.slash("video", prompt("a rate-limited reply"))
    reply = await discord_api.wait_for(lambda: finished(discord_api, inter), what="the final reply")
    assert list(reply.files.values()) == [TINY_MP4]
    edits = [r for r in discord_api.requests if r.method == "PATCH" and "/messages/@original" in r.path]
    limited = next(i for i, r in enumerate(edits) if r.status == 429)
    assert edits[limited + 1].at - edits[limited].at >= 0.6  # retried only after retry_after


async def test_unknown_webhook_switches_to_the_bot_token_once(
    discord_api: FakeDiscord, video_api: FakeVideoAPI, make_bot
) -> None:
    await make_bot()
    video_api.duration = 1.5
    inter = await discord_api.slash("video", prompt("a token that vanished"))
    await discord_api.wait_for(
        lambda: (m := discord_api.reply_to(inter)) and m.title.startswith("🎬"), what="the queued reply"
    )
    discord_api.fail("PATCH", TOKEN_EDIT, 404, 10015, times=99)
    reply = await discord_api.wait_for(lambda: finished(discord_api, inter), what="the final reply")
    assert reply.edits_by_bot >= 1 and list(reply.files.values()) == [TINY_MP4]
    token_errors = [r for r in discord_api.requests if "/messages/@original" in r.path and r.status == 404]
    assert len(token_errors) == 1


async def test_a_deleted_reply_gets_a_new_message(discord_api: FakeDiscord, video_api: FakeVideoAPI, make_bot) -> None:
    await make_bot(INTERACTION_TOKEN_TTL="0.2")  # use the bot token from the start
    video_api.duration = 1.5
    inter = await discord_api.slash("video", prompt("someone deletes my reply"))
    first = await discord_api.wait_for(
        lambda: (m := discord_api.reply_to(inter)) and m.title.startswith("⏳") and m, what="the generating reply"
    )
    del discord_api.messages[first.id]
    final = await discord_api.wait_for(lambda: final_anywhere(discord_api, inter.user_id), what="a new final message")
    assert final.id != first.id and list(final.files.values()) == [TINY_MP4]
    assert sum(1 for m in discord_api.messages.values() if m.title.startswith("✅")) == 1


async def test_lost_channel_access_delivers_by_dm(discord_api: FakeDiscord, video_api: FakeVideoAPI, make_bot) -> None:
    await make_bot(INTERACTION_TOKEN_TTL="0.2")
    video_api.duration = 1.0
    inter = await discord_api.slash("video", prompt("the bot loses access"))
    await discord_api.wait_for(lambda: (m := discord_api.reply_to(inter)) and m.title, what="the first reply")
    discord_api.fail("PATCH", CHANNEL_EDIT, 403, 50001, times=99)
    discord_api.fail("POST", rf"^/channels/{discord_api.channel_id}/messages$", 403, 50013, times=99)
    final = await discord_api.wait_for(lambda: final_anywhere(discord_api, inter.user_id), what="the DM")
    assert final.channel_id in discord_api.dm_channels
    assert discord_api.dm_channels[final.channel_id] == inter.user_id
    assert "couldn't post in the channel" in (final.content or "")


async def test_a_refused_upload_falls_back_to_a_link(
    discord_api: FakeDiscord, video_api: FakeVideoAPI, make_bot
) -> None:
    await make_bot()
    inter = await discord_api.slash("video", prompt("an upload Discord refuses"))
    await discord_api.wait_for(
        lambda: (m := discord_api.reply_to(inter)) and m.title.startswith("🎬"), what="the queued reply"
    )
    discord_api.fail("PATCH", TOKEN_EDIT, 413, 40005, times=1, multipart_only=True)
    reply = await discord_api.wait_for(lambda: finished(discord_api, inter), what="the final reply")
    assert reply.files == {} and f"{video_api.base}/files/" in (reply.content or "")


async def test_jobs_survive_a_dropped_gateway(discord_api: FakeDiscord, video_api: FakeVideoAPI, make_bot) -> None:
    bot = await make_bot()
    video_api.duration = 2.0
    inter = await discord_api.slash("video", prompt("the gateway drops"))
    await discord_api.wait_for(lambda: len(video_api.submits) == 1, what="the submit")
    discord_api.identified.clear()
    await discord_api.drop_gateway()
    reply = await discord_api.wait_for(lambda: finished(discord_api, inter), what="the final reply", timeout=30)
    assert list(reply.files.values()) == [TINY_MP4]
    await discord_api.wait_for(lambda: discord_api.identified.is_set(), what="the bot reconnecting", timeout=30)
    assert bot.proc is not None and bot.proc.returncode is None


async def test_invalid_requests_stay_rare(discord_api: FakeDiscord, video_api: FakeVideoAPI, make_bot) -> None:
    discord_api.token_ttl = 0.5
    await make_bot()
    for i in range(4):
        inter = await discord_api.slash("video", prompt(f"clip {i}"))
        await discord_api.wait_for(lambda i=inter: finished(discord_api, i), what="a final reply")
    invalid = [r for r in discord_api.requests if r.status in (401, 403, 429)]
    assert len(invalid) <= 4  # at most one 401 per expired token, then never that token again
