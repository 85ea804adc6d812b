"""Extend end to end: the last frame of the delivered mp4 starts a new picture job that links the clip."""

from __future__ import annotations

import io

import av
from PIL import Image, ImageChops

from tests.e2e.test_animate import decoded
from tests.e2e.test_video import finished, prompt
from tests.standins.fake_discord import FakeDiscord
from tests.standins.fake_video import TINY_MP4, FakeVideoAPI


def frames_of(mp4: bytes) -> list[Image.Image]:
    with av.open(io.BytesIO(mp4)) as container:
        return [f.to_image().convert("RGB") for f in container.decode(container.streams.video[0])]


def same(a: Image.Image, b: Image.Image) -> bool:
    return ImageChops.difference(a.convert("RGB"), b.convert("RGB")).getbbox() is None


async def test_extend_starts_a_new_job_from_the_last_frame_of_the_delivered_video(
    discord_api: FakeDiscord, video_api: FakeVideoAPI, make_bot
) -> None:
    """The job's picture is the delivered mp4's last frame; same model; new prompt; the reply links the clip."""
    await make_bot()
    owner = discord_api.user()
    inter = await discord_api.slash(
        "video", [*prompt("a red fox"), {"name": "model", "type": 3, "value": "cogvideox-3"}], user=owner
    )
    reply = await discord_api.wait_for(lambda: finished(discord_api, inter), what="the video")
    assert list(reply.files.values()) == [TINY_MP4]
    extend = await discord_api.press(
        reply, next(c for c in reply.custom_ids() if c.startswith("rb:extend:")), user=owner
    )
    await discord_api.wait_for(lambda: extend.modal is not None, what="the extend modal")
    submitted = await discord_api.submit_modal(extend, "the fox leaps over a stream", user=owner)
    second = await discord_api.wait_for(lambda: finished(discord_api, submitted), what="the continuation")
    assert second.title == "✅ Your video is ready"
    first_body, body = video_api.submits
    assert body["model"] == "cogvideox-3" and body["prompt"] == "the fox leaps over a stream"
    frames = frames_of(TINY_MP4)
    picture = decoded(body["image_url"])
    assert same(picture, frames[-1]) and not same(picture, frames[0])
    assert "image_url" not in first_body
    link = f"https://discord.com/channels/{discord_api.guild_id}/{reply.channel_id}/{reply.id}"
    assert link in str(second.embeds[0])


async def test_extending_a_text_only_model_uses_the_servers_picture_model(
    discord_api: FakeDiscord, video_api: FakeVideoAPI, make_bot
) -> None:
    """viduq1-text takes no picture: the continuation uses the default picture model, without Vidu-only options."""
    await make_bot()
    owner = discord_api.user()
    inter = await discord_api.slash(
        "video",
        [
            *prompt("a paper boat"),
            {"name": "model", "type": 3, "value": "viduq1-text"},
            {"name": "style", "type": 3, "value": "anime"},
        ],
        user=owner,
    )
    reply = await discord_api.wait_for(lambda: finished(discord_api, inter), what="the video")
    extend = await discord_api.press(
        reply, next(c for c in reply.custom_ids() if c.startswith("rb:extend:")), user=owner
    )
    await discord_api.wait_for(lambda: extend.modal is not None, what="the extend modal")
    submitted = await discord_api.submit_modal(extend, "", user=owner)
    await discord_api.wait_for(lambda: finished(discord_api, submitted), what="the continuation")
    body = video_api.submits[-1]
    assert body["model"] == "cogvideox-2" and "style" not in body and "prompt" not in body
    assert same(decoded(body["image_url"]), frames_of(TINY_MP4)[-1])
