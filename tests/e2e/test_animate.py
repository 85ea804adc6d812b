"""/animate, the "Animate image" message command, and mention replies, end to end."""

from __future__ import annotations

import base64
import io

from PIL import Image

from tests.e2e.test_video import finished
from tests.standins.fake_discord import FakeDiscord
from tests.standins.fake_video import TINY_MP4, FakeVideoAPI


def png(width: int = 320, height: int = 240) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 80, 40)).save(out, format="PNG")
    return out.getvalue()


def decoded(data_uri: str) -> Image.Image:
    header, b64 = data_uri.split(",", 1)
    assert header in ("data:image/png;base64", "data:image/jpeg;base64")
    return Image.open(io.BytesIO(base64.b64decode(b64)))


async def test_animate_sends_the_picture_as_base64_and_delivers(
    discord_api: FakeDiscord, video_api: FakeVideoAPI, make_bot
) -> None:
    await make_bot()
    data = png()
    att = discord_api.attachment(discord_api.host_file("fox.png", data), size=len(data))
    inter = await discord_api.slash(
        "animate",
        [{"name": "image", "type": 11, "value": att["id"]}, {"name": "prompt", "type": 3, "value": "the fox blinks"}],
        resolved={"attachments": {att["id"]: att}},
    )
    reply = await discord_api.wait_for(lambda: finished(discord_api, inter), what="the final reply")
    assert reply.title == "✅ Your video is ready"
    assert list(reply.files.values()) == [TINY_MP4]
    [body] = video_api.submits
    assert body["prompt"] == "the fox blinks"
    assert decoded(body["image_url"]).size == (320, 240)


async def test_animate_refuses_a_file_that_is_not_a_picture_without_charging(
    discord_api: FakeDiscord, video_api: FakeVideoAPI, make_bot
) -> None:
    await make_bot()
    fake = b"just some text, not a picture at all"
    att = discord_api.attachment(discord_api.host_file("notes.png", fake), size=len(fake))  # says image/png
    inter = await discord_api.slash(
        "animate", [{"name": "image", "type": 11, "value": att["id"]}], resolved={"attachments": {att["id"]: att}}
    )
    answer = await discord_api.wait_for(
        lambda: (m := discord_api.reply_to(inter)) and m.content and m, what="the refusal"
    )
    assert "isn't a picture I can read" in answer.content
    assert video_api.submits == []

    declared = discord_api.attachment("http://127.0.0.1:9/x.txt", filename="x.txt", content_type="text/plain")
    inter = await discord_api.slash(
        "animate",
        [{"name": "image", "type": 11, "value": declared["id"]}],
        resolved={"attachments": {declared["id"]: declared}},
    )
    answer = await discord_api.wait_for(lambda: discord_api.reply_to(inter), what="the refusal")
    assert answer.flags & 64  # refused before deferring: only the member sees it
    assert "isn't a picture I can read" in (answer.content or "")


async def test_animate_image_message_command_uses_the_first_picture(
    discord_api: FakeDiscord, video_api: FakeVideoAPI, make_bot
) -> None:
    await make_bot()
    data = png(400, 300)
    att = discord_api.attachment(discord_api.host_file("cat.png", data), size=len(data))
    target = discord_api.message_payload(content="look at my cat", attachments=[att])
    menu = await discord_api.slash(
        "Animate image", command_type=3, target_id=int(target["id"]), resolved={"messages": {target["id"]: target}}
    )
    await discord_api.wait_for(lambda: menu.modal, what="the form")
    inter = await discord_api.submit_modal(menu, "")  # the prompt is optional
    reply = await discord_api.wait_for(lambda: finished(discord_api, inter), what="the final reply")
    assert reply.title == "✅ Your video is ready"
    [body] = video_api.submits
    assert "prompt" not in body
    assert decoded(body["image_url"]).size == (400, 300)


async def test_animate_image_on_a_message_without_a_picture_says_so(
    discord_api: FakeDiscord, video_api: FakeVideoAPI, make_bot
) -> None:
    await make_bot()
    target = discord_api.message_payload(content="no pictures here")
    inter = await discord_api.slash(
        "Animate image", command_type=3, target_id=int(target["id"]), resolved={"messages": {target["id"]: target}}
    )
    answer = await discord_api.wait_for(lambda: discord_api.reply_to(inter), what="the refusal")
    assert answer.flags & 64
    assert "couldn't find a picture" in (answer.content or "")
    assert video_api.submits == []


async def test_mention_with_a_picture_animates_it_in_a_reply(
    discord_api: FakeDiscord, video_api: FakeVideoAPI, make_bot
) -> None:
    await make_bot()
    data = png()
    att = discord_api.attachment(discord_api.host_file("dog.png", data), size=len(data))
    me = discord_api.bot_user
    msg = discord_api.message_payload(
        content=f"<@{me['id']}> make the dog wag its tail", attachments=[att], mentions=[me]
    )
    await discord_api.post_message(msg)
    reply = await discord_api.wait_for(
        lambda: next(
            (m for m in discord_api.messages.values() if m.reference_id == int(msg["id"]) and m.title.startswith("✅")),
            None,
        ),
        what="the finished mention reply",
    )
    assert list(reply.files.values()) == [TINY_MP4]
    [body] = video_api.submits
    assert body["prompt"] == "make the dog wag its tail"
    assert "image_url" in body
    assert reply.edits_by_bot >= 2  # no interaction token: every edit uses the bot token


async def test_mention_replying_to_an_unseen_picture_points_to_the_message_command(
    discord_api: FakeDiscord, video_api: FakeVideoAPI, make_bot
) -> None:
    await make_bot()  # MESSAGE_CONTENT_INTENT is off: the replied-to message arrives without content
    hidden = discord_api.message_payload(content="")
    me = discord_api.bot_user
    msg = discord_api.message_payload(content=f"<@{me['id']}> animate this", mentions=[me], referenced=hidden)
    await discord_api.post_message(msg)
    reply = await discord_api.wait_for(
        lambda: next((m for m in discord_api.messages.values() if m.reference_id == int(msg["id"])), None),
        what="the hint",
    )
    assert "Apps → Animate image" in (reply.content or "")
    assert video_api.submits == []


async def test_mention_without_a_picture_makes_a_video_from_the_text(
    discord_api: FakeDiscord, video_api: FakeVideoAPI, make_bot
) -> None:
    await make_bot()
    me = discord_api.bot_user
    msg = discord_api.message_payload(content=f"<@{me['id']}> waves on a beach at dusk", mentions=[me])
    await discord_api.post_message(msg)
    await discord_api.wait_for(
        lambda: next(
            (m for m in discord_api.messages.values() if m.reference_id == int(msg["id"]) and m.title.startswith("✅")),
            None,
        ),
        what="the finished mention reply",
    )
    [body] = video_api.submits
    assert body["prompt"] == "waves on a beach at dusk" and "image_url" not in body
