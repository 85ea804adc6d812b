"""Help: `/reelbot help` and `@reelbot help` say what the bot does, the commands, the member's quota and
the server's rules, in the member's language, and never spend a credit."""

from __future__ import annotations

from tests.e2e.harness import jobs_in_db
from tests.e2e.test_moderation import mod, set_log_channel
from tests.standins.fake_discord import FakeDiscord, Message
from tests.standins.fake_video import FakeVideoAPI


async def help_answer(discord_api: FakeDiscord, locale: str = "en-US") -> Message:
    inter = await discord_api.slash("reelbot", [{"name": "help", "type": 1}], locale=locale)
    return await discord_api.wait_for(
        lambda: (m := discord_api.reply_to(inter)) and m.embeds and m, what="the help page"
    )


async def test_reelbot_help_shows_the_commands_the_quota_and_the_rules_privately(
    discord_api: FakeDiscord, video_api: FakeVideoAPI, make_bot, tmp_path
) -> None:
    await make_bot(USER_HOURLY_LIMIT="3")
    page = await help_answer(discord_api)
    text = str(page.embeds[0])
    assert page.flags & 64 and page.title == "🎬 reelbot — help"
    assert "/video prompt:" in text and "/animate image:" in text and "Animate image" in text
    assert "3 of 3 videos left this hour" in text  # the member's quota
    assert "any channel" in text  # the server's rules

    option, resolved = discord_api.channel_option("channel", discord_api.channel_id)
    await mod(discord_api, "channel", [option], resolved)
    await mod(
        discord_api,
        "blocklist",
        [{"name": "action", "type": 3, "value": "add"}, {"name": "words", "type": 3, "value": "gore"}],
    )
    await set_log_channel(discord_api)  # approval mode needs a log channel the bot can post in
    await mod(discord_api, "approval", [{"name": "enabled", "type": 5, "value": True}])
    text = str((await help_answer(discord_api)).embeds[0])
    assert f"only in <#{discord_api.channel_id}>" in text and "approves each request" in text
    assert "Some words are not allowed" in text and "gore" not in text  # the rule, never the word

    chinese = await help_answer(discord_api, locale="zh-CN")
    assert chinese.title == "🎬 reelbot — 帮助" and "本服务器的规则" in str(chinese.embeds[0])
    assert video_api.submits == [] and jobs_in_db(tmp_path) == []


async def test_mentioning_the_bot_with_help_answers_instead_of_making_a_video(
    discord_api: FakeDiscord, video_api: FakeVideoAPI, make_bot, tmp_path
) -> None:
    await make_bot()
    me = discord_api.bot_user
    for word, title in (("help", "🎬 reelbot — help"), ("帮助", "🎬 reelbot — 帮助")):
        msg = discord_api.message_payload(content=f"<@{me['id']}> {word}", mentions=[me])
        await discord_api.post_message(msg)
        reply = await discord_api.wait_for(
            lambda m=msg: next((r for r in discord_api.messages.values() if r.reference_id == int(m["id"])), None),
            what="the help reply",
        )
        assert reply.title == title and "/video prompt:" in str(reply.embeds[0])
    assert video_api.submits == [] and jobs_in_db(tmp_path) == []
