"""Members' pictures are deleted INPUT_RETENTION_DAYS after their job ends; the buttons then say so (issue 13)."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from tests.e2e.harness import jobs_in_db, wait_until
from tests.e2e.test_animate import png
from tests.e2e.test_video import finished
from tests.standins.fake_discord import FakeDiscord
from tests.standins.fake_video import FakeVideoAPI


def pictures_kept(workdir: Path) -> int:
    with sqlite3.connect(workdir / "reelbot.sqlite3") as db:
        return int(db.execute("SELECT COUNT(*) FROM job_inputs").fetchone()[0])


async def test_an_old_picture_is_pruned_and_re_roll_says_so_without_charging(
    discord_api: FakeDiscord, video_api: FakeVideoAPI, make_bot, tmp_path: Path
) -> None:
    """Proves the running bot prunes a picture past retention, and Re-roll / Edit & retry then refuse privately."""
    bot = await make_bot(INPUT_RETENTION_DAYS="30")
    owner = discord_api.user(name="owner")
    data = png()
    att = discord_api.attachment(discord_api.host_file("fox.png", data), size=len(data))
    inter = await discord_api.slash(
        "animate",
        [{"name": "image", "type": 11, "value": att["id"]}, {"name": "prompt", "type": 3, "value": "the fox blinks"}],
        resolved={"attachments": {att["id"]: att}},
        user=owner,
    )
    reply = await discord_api.wait_for(lambda: finished(discord_api, inter), what="the video")
    await wait_until(lambda: jobs_in_db(tmp_path)[0]["state"] == "delivered", what="delivered in the store")
    await bot.stop()
    assert pictures_kept(tmp_path) == 1  # a fresh video keeps its picture for Re-roll
    with sqlite3.connect(tmp_path / "reelbot.sqlite3") as db:  # 31 days pass
        db.execute("UPDATE jobs SET finished_at=?", (time.time() - 31 * 86400,))

    await bot.start(discord_api)
    await wait_until(lambda: pictures_kept(tmp_path) == 0, what="the picture pruned")
    assert "pruned 1 member picture" in bot.log()

    reroll = await discord_api.press(
        reply, next(c for c in reply.custom_ids() if c.startswith("rb:reroll:")), user=owner
    )
    answer = await discord_api.wait_for(lambda: (m := discord_api.reply_to(reroll)) and m.content and m, what="reply")
    assert answer.flags & 64 and "picture is no longer kept" in answer.content

    edit = await discord_api.press(reply, next(c for c in reply.custom_ids() if c.startswith("rb:edit:")), user=owner)
    await discord_api.wait_for(lambda: edit.modal is not None, what="the edit modal")
    submitted = await discord_api.submit_modal(edit, "the fox yawns", user=owner)
    answer = await discord_api.wait_for(
        lambda: (m := discord_api.reply_to(submitted)) and m.content and m, what="the refusal"
    )
    assert answer.flags & 64 and "picture is no longer kept" in answer.content
    assert len(video_api.submits) == 1 and len(jobs_in_db(tmp_path)) == 1  # nothing new made, nothing charged
