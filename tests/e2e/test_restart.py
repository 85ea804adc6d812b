"""Kill the bot (SIGKILL) with jobs in flight; a new process finishes them: delivered once, submitted once."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.harness import jobs_in_db, wait_until
from tests.e2e.test_video import finished, prompt
from tests.standins.fake_discord import FakeDiscord
from tests.standins.fake_video import TINY_MP4, FakeVideoAPI


async def test_killed_with_a_submitted_and_a_queued_job_both_finish_once_after_restart(
    discord_api: FakeDiscord, video_api: FakeVideoAPI, make_bot, tmp_path: Path
) -> None:
    video_api.duration = 2.0
    bot = await make_bot(PROVIDER_MAX_IN_FLIGHT="1")
    first = await discord_api.slash("video", prompt("first"))
    await discord_api.wait_for(lambda: len(video_api.submits) == 1, what="the first submit")
    second = await discord_api.slash("video", prompt("second"))
    await wait_until(lambda: len(jobs_in_db(tmp_path)) == 2, what="the second job queued")
    assert [j["state"] for j in jobs_in_db(tmp_path)] == ["submitted", "queued"]

    await bot.kill()
    await bot.start(discord_api)

    for inter in (first, second):
        reply = await discord_api.wait_for(lambda i=inter: finished(discord_api, i), what="a finished reply")
        assert list(reply.files.values()) == [TINY_MP4]
        assert sum(1 for h in reply.history if h["title"].startswith("✅")) == 1  # one final message
    await wait_until(lambda: all(j["state"] == "delivered" for j in jobs_in_db(tmp_path)), what="both delivered")
    assert sorted(video_api.submitted_request_ids()) == sorted(f"reelbot-{j['id']}" for j in jobs_in_db(tmp_path))
    assert len(video_api.tasks) == 2
    syncs = [r for r in discord_api.requests if r.method == "PUT" and r.path.endswith("/commands")]
    assert len(syncs) == 1  # unchanged commands are not synced again on restart


async def test_no_secret_reaches_the_log(discord_api: FakeDiscord, video_api: FakeVideoAPI, make_bot) -> None:
    discord_api.token_ttl = 0.5  # exercise the token fallback path too
    bot = await make_bot()
    inter = await discord_api.slash("video", prompt("a lighthouse in a storm"))
    await discord_api.wait_for(lambda: finished(discord_api, inter), what="the final reply")
    await wait_until(lambda: "delivered (succeeded)" in bot.log(), what="the delivery logged")
    await bot.stop()
    log = bot.log()
    for secret in (discord_api.bot_token, video_api.api_key, inter.token):
        assert secret not in log
