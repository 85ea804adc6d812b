"""SIGKILL at each dangerous point of a job's life; after a restart: one submission, one final
message, the price counted once."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.harness import jobs_in_db, wait_until
from tests.e2e.test_video import finished, prompt
from tests.standins.fake_discord import FakeDiscord
from tests.standins.fake_video import TINY_MP4, FakeVideoAPI


@pytest.mark.parametrize("point", ["before_submit", "after_submit", "after_download", "after_upload"])
async def test_a_crash_at_each_point_ends_in_one_video_charged_once(
    point: str, discord_api: FakeDiscord, video_api: FakeVideoAPI, make_bot, tmp_path: Path
) -> None:
    bot = await make_bot(REELBOT_CRASH_AT=point)
    inter = await discord_api.slash("video", prompt(f"crash {point}"))
    await wait_until(lambda: bot.proc is not None and bot.proc.returncode is not None, what=f"the crash at {point}")
    assert bot.proc is not None and bot.proc.returncode == -9

    bot.env.pop("REELBOT_CRASH_AT")
    await bot.start(discord_api)
    reply = await discord_api.wait_for(lambda: finished(discord_api, inter), what="the final reply")
    await wait_until(lambda: jobs_in_db(tmp_path)[0]["state"] == "delivered", what="delivered in the store")

    assert list(reply.files.values()) == [TINY_MP4]
    assert len(video_api.tasks) == 1  # one paid generation, whatever was submitted again
    expected_submits = 2 if point == "after_submit" else 1  # the retry reuses the request_id: 1231
    assert len(video_api.submits) == expected_submits
    assert len(set(video_api.submitted_request_ids())) == 1
    [job] = jobs_in_db(tmp_path)
    assert job["charge"] == "reserved" and job["price"] == 100_000
    finals = [m for m in discord_api.messages.values() if m.title.startswith("✅")]
    assert finals == [reply]  # edited in place: never a second final message
