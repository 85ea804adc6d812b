"""✨ Enhance end to end: a private preview of the rewritten prompt, then Use it or Keep mine."""

from __future__ import annotations

from tests.e2e.test_video import finished, prompt
from tests.standins.fake_discord import FakeDiscord, Message
from tests.standins.fake_video import FakeVideoAPI


async def preview(discord_api: FakeDiscord, text: str, user: dict[str, object]) -> Message:
    inter = await discord_api.slash("video", [*prompt(text), {"name": "enhance", "type": 5, "value": True}], user=user)
    return await discord_api.wait_for(
        lambda: (m := discord_api.reply_to(inter)) and m.components and m, what="the private preview"
    )


def button(message: Message, kind: str) -> str:
    return next(c for c in message.custom_ids() if c.startswith(f"rb:enh:{kind}:"))


async def test_use_it_makes_the_video_from_the_enhanced_prompt(
    discord_api: FakeDiscord, video_api: FakeVideoAPI, make_bot
) -> None:
    """The member sees the rewrite privately, nothing is spent until Use it, then the job uses the rewrite."""
    await make_bot()
    member = discord_api.user()
    shown = await preview(discord_api, "a fox in snow", member)
    assert shown.flags & 64 and "A cinematic shot of a fox in snow" in (shown.content or "")
    assert video_api.submits == [] and [c["model"] for c in video_api.chats] == ["glm-4-flash"]
    pressed = await discord_api.press(shown, button(shown, "use"), user=member)
    reply = await discord_api.wait_for(lambda: finished(discord_api, pressed), what="the final reply")
    assert reply.title == "✅ Your video is ready" and not reply.flags & 64
    [body] = video_api.submits
    assert body["prompt"].startswith("A cinematic shot of a fox in snow, golden evening light")
    await discord_api.wait_for(lambda: shown.components == [], what="the preview's buttons gone")


async def test_keep_mine_makes_the_video_from_the_members_own_prompt(
    discord_api: FakeDiscord, video_api: FakeVideoAPI, make_bot
) -> None:
    await make_bot()
    member = discord_api.user()
    shown = await preview(discord_api, "a fox in snow", member)
    stranger = await discord_api.press(shown, button(shown, "use"), user=discord_api.user())
    told = await discord_api.wait_for(lambda: discord_api.reply_to(stranger), what="the stranger told privately")
    assert told.flags & 64 and "belongs to the member who asked" in (told.content or "")
    assert video_api.submits == []  # only the member who asked may choose
    pressed = await discord_api.press(shown, button(shown, "keep"), user=member)
    await discord_api.wait_for(lambda: finished(discord_api, pressed), what="the final reply")
    assert [b["prompt"] for b in video_api.submits] == ["a fox in snow"]


async def test_a_failing_chat_call_falls_back_to_the_members_prompt_with_a_note(
    discord_api: FakeDiscord, video_api: FakeVideoAPI, make_bot
) -> None:
    await make_bot()
    member = discord_api.user()
    shown = await preview(discord_api, "a fox [chat-fail]", member)
    assert "Enhance isn't working right now" in (shown.content or "") and "> a fox [chat-fail]" in (shown.content or "")
    assert [c.split(":")[2] for c in shown.custom_ids()] == ["keep"]  # nothing to use: only your own
    pressed = await discord_api.press(shown, button(shown, "keep"), user=member)
    await discord_api.wait_for(lambda: finished(discord_api, pressed), what="the final reply")
    assert [b["prompt"] for b in video_api.submits] == ["a fox [chat-fail]"]
