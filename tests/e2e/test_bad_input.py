"""Garbage in: each gets a clear, polite answer, no charge, and the bot keeps serving others."""

from __future__ import annotations

import io

from PIL import Image

from tests.e2e.test_animate import png
from tests.e2e.test_video import finished, prompt
from tests.standins.fake_discord import FakeDiscord
from tests.standins.fake_video import FakeVideoAPI


async def answer(discord_api: FakeDiscord, inter) -> str:
    msg = await discord_api.wait_for(lambda: (m := discord_api.reply_to(inter)) and m.content and m, what="an answer")
    return str(msg.content)


async def animate(discord_api: FakeDiscord, name: str, data: bytes, **att: object):
    attachment = discord_api.attachment(discord_api.host_file(name, data), filename=name, **att)  # type: ignore[arg-type]
    return await discord_api.slash(
        "animate",
        [{"name": "image", "type": 11, "value": attachment["id"]}],
        resolved={"attachments": {attachment["id"]: attachment}},
    )


async def test_garbage_gets_polite_answers_and_costs_nothing(
    discord_api: FakeDiscord, video_api: FakeVideoAPI, make_bot
) -> None:
    await make_bot()
    blank = await discord_api.slash("video", prompt("\u200b \u200d\u2060 "))
    assert "prompt is empty" in await answer(discord_api, blank)

    huge = await animate(discord_api, "huge.png", b"x", size=60 * 1024 * 1024)
    assert "too large" in await answer(discord_api, huge)
    assert "huge.png" not in [r.path for r in discord_api.requests]  # refused before downloading

    bomb = io.BytesIO()
    Image.new("1", (12000, 12000)).save(bomb, format="PNG")
    inter = await animate(discord_api, "bomb.png", bomb.getvalue(), size=len(bomb.getvalue()))
    assert "too large" in await answer(discord_api, inter)

    svg = b'<svg xmlns="http://www.w3.org/2000/svg"/>'
    inter = await animate(discord_api, "drawing.svg", svg, size=len(svg), content_type="image/svg+xml")
    assert "isn't a picture I can read" in await answer(discord_api, inter)

    wide = png(2000, 100)
    inter = await animate(discord_api, "banner.png", wide, size=len(wide))
    assert "shape won't animate well" in await answer(discord_api, inter)

    corrupt = png()[:100]
    inter = await animate(discord_api, "broken.png", corrupt, size=len(corrupt))
    assert "seems damaged" in await answer(discord_api, inter)

    assert video_api.submits == []
    good = await discord_api.slash("video", prompt("after all that, a calm lake"))
    reply = await discord_api.wait_for(lambda: finished(discord_api, good), what="a normal video")
    assert reply.title == "✅ Your video is ready"
    assert "1 of 1 credits" not in str(reply.embeds[0])  # only the good request was charged
    assert "0.9 left today" in str(reply.embeds[0])


async def test_an_animated_gif_uses_its_first_frame(
    discord_api: FakeDiscord, video_api: FakeVideoAPI, make_bot
) -> None:
    await make_bot()
    frames = [Image.new("RGB", (200, 200), c) for c in ((255, 0, 0), (0, 0, 255))]
    gif = io.BytesIO()
    frames[0].save(gif, format="GIF", save_all=True, append_images=frames[1:])
    inter = await animate(discord_api, "blink.gif", gif.getvalue(), size=len(gif.getvalue()), content_type="image/gif")
    await discord_api.wait_for(lambda: finished(discord_api, inter), what="the video")
    import base64

    data = base64.b64decode(video_api.submits[0]["image_url"].split(",", 1)[1])
    first = Image.open(io.BytesIO(data))
    assert getattr(first, "n_frames", 1) == 1 and first.convert("RGB").getpixel((10, 10)) == (255, 0, 0)


async def test_commands_in_dms_are_refused_kindly(discord_api: FakeDiscord, video_api: FakeVideoAPI, make_bot) -> None:
    await make_bot()
    inter = await discord_api.slash("video", prompt("a video in my DMs"), dm=True)
    text = await answer(discord_api, inter)
    assert "inside servers" in text and video_api.submits == []
