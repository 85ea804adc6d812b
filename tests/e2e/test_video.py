"""/video end to end: the real bot, real sockets, stand-ins for Discord and CogVideoX."""

from __future__ import annotations

import os
from pathlib import Path

from tests.e2e.harness import jobs_in_db, wait_until
from tests.standins.fake_discord import FakeDiscord, Message
from tests.standins.fake_video import TINY_MP4, FakeVideoAPI


def prompt(text: str) -> list[dict[str, object]]:
    return [{"name": "prompt", "type": 3, "value": text}]


def finished(discord_api: FakeDiscord, inter) -> Message | None:
    msg = discord_api.reply_to(inter)
    return msg if msg and msg.title.startswith(("✅", "❌", "⌛", "🚫")) else None


async def test_video_moves_one_reply_from_queued_to_generating_to_the_attached_mp4(
    discord_api: FakeDiscord, video_api: FakeVideoAPI, make_bot, tmp_path: Path
) -> None:
    bot = await make_bot()
    inter = await discord_api.slash("video", prompt("a red fox running through snow"))
    reply = await discord_api.wait_for(lambda: finished(discord_api, inter), what="the final reply")

    assert inter.acked_at is not None and inter.acked_at - inter.created < 3
    assert inter.callback == {"type": 5}  # deferred, public
    titles = [h["title"] for h in reply.history if h["title"]]
    assert titles[0].startswith("🎬 Queued — #1 in line"), titles
    assert any(t.startswith("⏳ Generating") for t in titles), titles
    assert titles[-1] == "✅ Your video is ready"
    assert list(reply.files.values()) == [TINY_MP4]
    assert reply.content.startswith(f"<@{inter.user_id}>")
    embed = str(reply.embeds[0])
    assert "0.1 credits · 0.9 left today" in embed
    assert "cover.png" in embed  # the provider's cover image is shown
    assert [s["prompt"] for s in video_api.submits] == ["a red fox running through snow"]
    await wait_until(lambda: jobs_in_db(tmp_path)[0]["state"] == "delivered", what="delivered in the store")
    assert reply.edits_by_bot == 0  # all within the interaction token's life
    assert bot.log().count("delivered (succeeded)") == 1


async def test_prompt_mentions_never_ping_anyone(discord_api: FakeDiscord, video_api: FakeVideoAPI, make_bot) -> None:
    await make_bot()
    inter = await discord_api.slash("video", prompt("@everyone look <@&123456789012345678> and @here"))
    reply = await discord_api.wait_for(lambda: finished(discord_api, inter), what="the final reply")
    edits = [h for h in reply.history if h["content"] or h["title"]]
    assert len(edits) >= 3
    for edit in edits:
        allowed = edit["allowed_mentions"]
        assert allowed is not None, edit
        assert allowed["parse"] == []  # no @everyone, @here or role pings
        assert [str(u) for u in allowed.get("users", [])] in ([], [str(inter.user_id)])
        assert allowed.get("roles", []) == []


async def test_too_large_video_is_linked_not_uploaded(
    discord_api: FakeDiscord, video_api: FakeVideoAPI, make_bot
) -> None:
    await make_bot()
    inter = await discord_api.slash("video", prompt("a huge waterfall [big]"))
    reply = await discord_api.wait_for(lambda: finished(discord_api, inter), what="the final reply")
    assert reply.title == "✅ Your video is ready"
    assert reply.files == {}
    assert "upload limit (10 MB)" in reply.content
    assert f"{video_api.base}/files/" in reply.content and reply.content.rstrip().endswith("-big.mp4")


async def test_content_filter_failure_explains_and_charges_nothing(
    discord_api: FakeDiscord, video_api: FakeVideoAPI, make_bot, tmp_path: Path
) -> None:
    await make_bot()
    inter = await discord_api.slash("video", prompt("something the filter dislikes [reject]"))
    reply = await discord_api.wait_for(lambda: finished(discord_api, inter), what="the final reply")
    assert reply.title == "❌ No video this time"
    assert "content rules" in str(reply.embeds[0]) and "Nothing was charged" in str(reply.embeds[0])
    job = (await wait_until(lambda: jobs_in_db(tmp_path)))[0]  # type: ignore[index]
    assert job["charge"] == "released" and job["error_code"] == "content_rejected"

    quota = await discord_api.slash("reelbot", [{"name": "quota", "type": 1}])
    answer = await discord_api.wait_for(lambda: discord_api.reply_to(quota), what="the quota answer")
    assert answer.flags & 64
    assert "1 of 1 credits left" in str(answer.embeds[0])


async def test_generation_failure_after_acceptance_says_so(
    discord_api: FakeDiscord, video_api: FakeVideoAPI, make_bot
) -> None:
    await make_bot()
    inter = await discord_api.slash("video", prompt("a scene that fails [fail]"))
    reply = await discord_api.wait_for(lambda: finished(discord_api, inter), what="the final reply")
    assert reply.title == "❌ No video this time"
    assert "couldn't finish this video" in str(reply.embeds[0])


async def test_expired_interaction_token_falls_back_to_the_bot_token(
    discord_api: FakeDiscord, video_api: FakeVideoAPI, make_bot
) -> None:
    discord_api.token_ttl = 0.6  # the stand-in invalidates tokens early: 401 / 50027 afterwards
    video_api.duration = 1.5
    await make_bot()
    inter = await discord_api.slash("video", prompt("a slow sunrise"))
    reply = await discord_api.wait_for(lambda: finished(discord_api, inter), what="the final reply")
    assert reply.title == "✅ Your video is ready"
    assert list(reply.files.values()) == [TINY_MP4]
    assert reply.edits_by_bot >= 1
    token_rejections = [r for r in discord_api.requests if r.path.startswith("/webhooks/") and r.status == 401]
    assert len(token_rejections) == 1  # never retried once Discord said the token is dead


async def test_options_not_valid_for_the_model_are_refused_privately(
    discord_api: FakeDiscord, video_api: FakeVideoAPI, make_bot
) -> None:
    await make_bot()
    options = [
        *prompt("a cat"),
        {"name": "model", "type": 3, "value": "cogvideox-flash"},
        {"name": "size", "type": 3, "value": "1920x1080"},
    ]
    inter = await discord_api.slash("video", options)
    answer = await discord_api.wait_for(lambda: discord_api.reply_to(inter), what="the refusal")
    assert inter.callback is not None and inter.callback["type"] == 4
    assert answer.flags & 64
    assert "`cogvideox-flash` doesn't support the `size` option" in answer.content
    too_long = await discord_api.slash("video", prompt("x" * 600))
    answer = await discord_api.wait_for(lambda: discord_api.reply_to(too_long), what="the refusal")
    assert "600 characters; the limit is 512" in answer.content
    assert video_api.submits == []


MIB = 1024 * 1024


async def test_a_video_is_uploaded_while_it_downloads_and_arrives_whole(
    discord_api: FakeDiscord, video_api: FakeVideoAPI, make_bot
) -> None:
    """The upload starts as soon as the download does: a slow link costs the slower of the two, not their sum."""
    video_api.video_size, video_api.download_rate = 2 * MIB, 1 * MIB  # a 2-s download
    bot = await make_bot()
    inter = await discord_api.slash("video", prompt("a slow river at dawn"))
    reply = await discord_api.wait_for(lambda: finished(discord_api, inter), what="the final reply")
    assert reply.title == "✅ Your video is ready"
    assert list(reply.files.values()) == [video_api.video()]
    uploads = [r for r in discord_api.requests if r.uploads]
    assert len(uploads) == 1 and len(video_api.download_ends) == 1
    assert uploads[0].at < video_api.download_ends[0] - 1.0  # sent while half the video was still to come
    await wait_until(lambda: bot.log().count("delivered (succeeded)") == 1, what="delivered, once")


async def test_a_download_cut_during_its_upload_never_sends_half_a_video(
    discord_api: FakeDiscord, video_api: FakeVideoAPI, make_bot
) -> None:
    """The link drops halfway through the download that the upload is reading: the upload is abandoned (Discord
    never receives half a video), the video is fetched again and reaches the member whole, once."""
    video_api.video_size, video_api.download_rate, video_api.cut_downloads = 2 * MIB, 2 * MIB, 1
    bot = await make_bot()
    inter = await discord_api.slash("video", prompt("a river that keeps flowing"))
    reply = await discord_api.wait_for(lambda: finished(discord_api, inter), what="the final reply")
    assert reply.title == "✅ Your video is ready"
    assert list(reply.files.values()) == [video_api.video()]
    assert video_api.downloads == 2 and len(video_api.download_ends) == 1
    assert sum(r.uploads for r in discord_api.requests) == 1  # the abandoned upload never arrived whole
    assert reply.content.count(video_api.base) == 0  # an attachment, not a link
    assert "the upload during the download failed" in bot.log()
    await wait_until(lambda: bot.log().count("delivered (succeeded)") == 1, what="delivered, once")


async def test_a_streamed_upload_that_discord_fails_once_is_sent_again_whole_and_no_file_stays_open(
    discord_api: FakeDiscord, video_api: FakeVideoAPI, make_bot
) -> None:
    """discord.py retries a 5xx upload from the start of the same file object: the video still arrives whole,
    once; afterwards the bot holds no descriptor of the (deleted) video file."""
    video_api.video_size, video_api.download_rate = 2 * MIB, 1 * MIB
    discord_api.fail("PATCH", r"^/webhooks/\d+/[^/]+/messages/@original$", 500, 0, times=1, multipart_only=True)
    bot = await make_bot()
    inter = await discord_api.slash("video", prompt("a glacier calving into the sea"))
    reply = await discord_api.wait_for(lambda: finished(discord_api, inter), what="the final reply")
    assert reply.title == "✅ Your video is ready"
    assert list(reply.files.values()) == [video_api.video()]
    assert [r.status for r in discord_api.requests if r.uploads] == [500, 200]
    await wait_until(lambda: bot.log().count("delivered (succeeded)") == 1, what="delivered, once")
    fds = Path(f"/proc/{bot.proc.pid}/fd")
    assert not [link for fd in fds.iterdir() if "/videos/" in (link := os.readlink(fd))], "a video file stays open"
