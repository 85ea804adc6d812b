"""What a member meets around a video: the prompt box, the Animate image form, a refused prompt given
back, buttons in the server's language, a Delete that asks first, and the settings the video was made with."""

from __future__ import annotations

import re

from tests.e2e.test_animate import png
from tests.e2e.test_moderation import mod
from tests.e2e.test_video import finished, prompt
from tests.standins.fake_discord import FakeDiscord, Message
from tests.standins.fake_video import FakeVideoAPI

FENCE = re.compile(r"```\n(.*?)\n```", re.DOTALL)


def buttons(message: Message) -> list[dict[str, object]]:
    return [c for row in message.components for c in row["components"]]


def the_prompt_given_back(text: str) -> str:
    """The one code block in a reply, as the member would copy it (and as /video would clean it)."""
    blocks = FENCE.findall(text)
    assert len(blocks) == 1 and text.count("```") == 2, text
    return str(blocks[0]).replace("\u200b", "")


async def test_video_and_animate_prompts_are_capped_at_512_where_the_member_types(
    discord_api: FakeDiscord, video_api: FakeVideoAPI, make_bot
) -> None:
    """Discord counts down 512 characters in the box, instead of taking 2,000 and refusing after typing."""
    await make_bot()
    synced = {c["name"]: c for c in discord_api.commands}
    for name in ("video", "animate"):
        [option] = [o for o in synced[name]["options"] if o["name"] == "prompt"]
        assert option["max_length"] == 512, (name, option)


async def test_animate_image_opens_a_form_asking_how_it_should_move(
    discord_api: FakeDiscord, video_api: FakeVideoAPI, make_bot
) -> None:
    """Apps → Animate image asks for an optional prompt, then animates the picture with it."""
    await make_bot()
    data = png(400, 300)
    att = discord_api.attachment(discord_api.host_file("cat.png", data), size=len(data))
    target = discord_api.message_payload(content="look at my cat", attachments=[att])
    menu = await discord_api.slash(
        "Animate image", command_type=3, target_id=int(target["id"]), resolved={"messages": {target["id"]: target}}
    )
    form = await discord_api.wait_for(lambda: menu.modal, what="the Animate image form")
    [field] = [c for row in form["components"] for c in row["components"]]
    assert form["title"] == "Animate image"
    assert field["label"] == "How should it move? (optional)" and field["required"] is False
    assert field["max_length"] == 512
    assert video_api.submits == [] and discord_api.reply_to(menu) is None  # nothing starts before the form is sent

    sent = await discord_api.submit_modal(menu, "the cat slowly turns its head")
    reply = await discord_api.wait_for(lambda: finished(discord_api, sent), what="the video")
    assert reply.title == "✅ Your video is ready"
    [body] = video_api.submits
    assert body["prompt"] == "the cat slowly turns its head" and body["image_url"].startswith("data:image/")


async def test_a_refused_prompt_comes_back_in_a_code_block_to_copy(
    discord_api: FakeDiscord, video_api: FakeVideoAPI, make_bot
) -> None:
    """The member copies their prompt from the refusal; backticks in it cannot break the block."""
    await make_bot()
    await mod(
        discord_api,
        "blocklist",
        [{"name": "action", "type": 3, "value": "add"}, {"name": "words", "type": 3, "value": "gore"}],
    )
    typed = "a ```fenced``` knight, `gore` everywhere, ending in a backtick`"
    inter = await discord_api.slash("video", prompt(typed))
    answer = await discord_api.wait_for(lambda: discord_api.reply_to(inter), what="the refusal")
    assert answer.flags & 64 and "doesn't allow" in (answer.content or "")
    assert the_prompt_given_back(answer.content or "") == typed

    me = discord_api.bot_user
    long_one = "a storm over the sea " * 94  # 1,974 characters: a mention can carry what /video's box would not
    msg = discord_api.message_payload(content=f"<@{me['id']}> {long_one}", mentions=[me])
    await discord_api.post_message(msg)
    reply = await discord_api.wait_for(
        lambda: next((m for m in discord_api.messages.values() if m.reference_id == int(msg["id"])), None),
        what="the refusal of a long mention",
    )
    assert "the limit is 512" in (reply.content or ""), reply.content
    given_back = the_prompt_given_back(reply.content or "")
    assert long_one.strip().startswith(given_back.removesuffix("…")) and len(reply.content or "") <= 2000
    assert video_api.submits == []


async def test_public_buttons_speak_the_servers_language_and_carry_emoji(
    discord_api: FakeDiscord, video_api: FakeVideoAPI, make_bot
) -> None:
    """A Chinese server's video shows Chinese buttons whoever asked; each button has an emoji."""
    discord_api.guild_locale = "zh-CN"
    await make_bot()
    inter = await discord_api.slash("video", prompt("a red fox running through snow"), locale="en-US")
    reply = await discord_api.wait_for(lambda: finished(discord_api, inter), what="the video")
    assert reply.title == "✅ Your video is ready"  # the requester's own text stays theirs
    shown = buttons(reply)
    assert [b["label"] for b in shown] == ["重新生成", "修改后重试", "续写", "删除", "举报"]
    assert all(isinstance(b.get("emoji"), dict) and b["emoji"]["name"] for b in shown), shown


async def test_delete_asks_first_and_only_then_deletes(
    discord_api: FakeDiscord, video_api: FakeVideoAPI, make_bot
) -> None:
    """One stray click does not delete a video: an ephemeral question comes first."""
    await make_bot()
    owner = discord_api.user(name="owner")
    inter = await discord_api.slash("video", prompt("a lighthouse"), user=owner)
    reply = await discord_api.wait_for(lambda: finished(discord_api, inter), what="the video")
    delete = next(c for c in reply.custom_ids() if c.startswith("rb:del:"))

    first = await discord_api.press(reply, delete, user=owner)
    question = await discord_api.wait_for(lambda: discord_api.reply_to(first), what="the question")
    assert question.flags & 64 and "Delete this video" in (question.content or "")
    assert reply.id in discord_api.messages
    keep = next(c for c in question.custom_ids() if c.startswith("rb:delno:"))
    kept = await discord_api.press(question, keep, user=owner)
    await discord_api.wait_for(lambda: kept.acked_at, what="keep")
    assert reply.id in discord_api.messages and question.components == []

    second = await discord_api.press(reply, delete, user=owner)
    question = await discord_api.wait_for(lambda: discord_api.reply_to(second), what="the question again")
    confirm = next(c for c in question.custom_ids() if c.startswith("rb:delok:"))
    await discord_api.press(question, confirm, user=owner)
    await discord_api.wait_for(lambda: reply.id not in discord_api.messages, what="the deletion")
    await discord_api.wait_for(lambda: question.content == "Deleted.", what="the question answered")


async def test_the_finished_video_shows_the_settings_it_was_made_with(
    discord_api: FakeDiscord, video_api: FakeVideoAPI, make_bot
) -> None:
    """Model, size, length and frame rate, chosen or the service's default, show on the video."""
    await make_bot()
    options = [
        *prompt("a paper boat on a river"),
        {"name": "model", "type": 3, "value": "cogvideox-3"},
        {"name": "size", "type": 3, "value": "1280x720"},
        {"name": "duration", "type": 4, "value": 10},
    ]
    inter = await discord_api.slash("video", options)
    reply = await discord_api.wait_for(lambda: finished(discord_api, inter), what="the video")
    fields = {f["name"]: f["value"] for f in reply.embeds[0]["fields"]}
    assert fields["Made with"] == "cogvideox-3 · 1280×720 · 10 s · 30 fps", fields
