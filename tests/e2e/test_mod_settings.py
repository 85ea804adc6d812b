"""Moderator settings that mean what they say, setups that cannot fail silently, and a blocklist that
works for long lists and Chinese — end to end through discord.py against the stand-ins."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from tests.e2e.harness import jobs_in_db
from tests.e2e.test_animate import png
from tests.e2e.test_moderation import MOD, log_lines, logged, mod, set_log_channel
from tests.e2e.test_video import finished, prompt
from tests.standins.fake_discord import FakeDiscord, Interaction, Message
from tests.standins.fake_video import FakeVideoAPI


def words(action: str, text: str | None = None, *, regex: bool = False) -> list[dict[str, Any]]:
    options: list[dict[str, Any]] = [{"name": "action", "type": 3, "value": action}]
    if text is not None:
        options.append({"name": "words", "type": 3, "value": text})
    if regex:
        options.append({"name": "regex", "type": 5, "value": True})
    return options


def answers(discord_api: FakeDiscord, inter: Interaction) -> list[Message]:
    """Every message the bot sent in answer to one interaction (reply and follow-ups), oldest first."""
    return sorted((m for m in discord_api.messages.values() if m.interaction_token == inter.token), key=lambda m: m.id)


async def refusal_for(discord_api: FakeDiscord, text: str) -> Message:
    inter = await discord_api.slash("video", prompt(text))
    return await discord_api.wait_for(lambda: discord_api.reply_to(inter), what=f"the answer to {text!r}")


async def test_blocklist_takes_several_words_pages_long_lists_and_matches_chinese(
    discord_api: FakeDiscord, video_api: FakeVideoAPI, make_bot
) -> None:
    """Several words in one command; `show` never sends more than 2,000 characters; "血腥" matches inside a
    sentence; a member refused by a regular expression sees their own word, never the pattern."""
    await make_bot()
    answer = await mod(discord_api, "blocklist", words("add", "gore, 血腥\nbad thing"))
    assert answer.content == "Added to the blocklist: `gore`, `血腥`, `bad thing`."
    answer = await mod(discord_api, "blocklist", words("add", r"g[o0]re\w*", regex=True))

    refused = await refusal_for(discord_api, "一个血腥的场面")
    assert refused.flags & 64 and "“血腥”" in (refused.content or "")
    refused = await refusal_for(discord_api, "so much G0REFEST")
    assert refused.flags & 64 and "“G0REFEST”" in (refused.content or "")
    assert "[o0]" not in (refused.content or "")
    assert video_api.submits == []

    for batch in range(3):  # 180 entries of 20 characters: far more than one message holds
        chunk = ", ".join(f"word{batch:02d}{i:03d}{'x' * 12}" for i in range(60))
        await mod(discord_api, "blocklist", words("add", chunk))
    inter = await discord_api.slash(
        "reelbot-mod", [{"name": "blocklist", "type": 1, "options": words("show")}], permissions=MOD
    )
    await discord_api.wait_for(lambda: len(answers(discord_api, inter)) >= 3, what="the pages")
    pages = answers(discord_api, inter)
    assert all(len(p.content or "") <= 2000 and p.flags & 64 for p in pages)
    shown = "\n".join(p.content or "" for p in pages)
    assert "184 entries" in shown and all(f"word{b:02d}059" in shown for b in range(3)) and "`血腥`" in shown

    answer = await mod(discord_api, "blocklist", words("remove", "gore, 血腥, never-added"))
    assert "Removed from the blocklist: `gore`, `血腥`." in (answer.content or "")
    assert "Not on the blocklist: `never-added`." in (answer.content or "")


async def test_limits_and_budgets_mean_what_they_say(
    discord_api: FakeDiscord, video_api: FakeVideoAPI, make_bot
) -> None:
    """per_hour:0 is no limit; daily:off is no cap and daily:default the operator's; a top-up can be undone;
    /reelbot quota shows this server's own prices; the log channel hears old → new."""
    await make_bot(USER_HOURLY_LIMIT="1", GUILD_DAILY_BUDGET="0.2", PRICE_PER_VIDEO="0.1")
    await set_log_channel(discord_api)
    answer = await mod(discord_api, "limits", [{"name": "per_hour", "type": 4, "value": 0}])
    assert "no limit per hour" in (answer.content or "")
    await logged(discord_api, "changed videos per member per hour: the operator's default → no limit")

    answer = await mod(discord_api, "budget", [{"name": "daily", "type": 3, "value": "off"}])
    assert "Daily budget: **no daily cap**" in (answer.content or "")
    await logged(discord_api, "changed the daily budget: the operator's default → no daily cap")
    member = discord_api.user(name="member")
    for i in range(3):  # three videos an hour, past the old budget of 0.2: neither limit applies
        inter = await discord_api.slash("video", prompt(f"clip {i}"), user=member)
        done = await discord_api.wait_for(lambda i=inter: finished(discord_api, i), what="a video")
        assert done.title == "✅ Your video is ready"

    both = [{"name": "daily", "type": 3, "value": "default"}, {"name": "monthly", "type": 3, "value": "lots"}]
    answer = await mod(discord_api, "budget", both)
    assert answer.content == "`lots` isn't an amount. Use a number of credits, such as `2.5`."  # nothing saved
    answer = await mod(discord_api, "budget")
    assert "Daily budget: **no daily cap**" in (answer.content or "")
    answer = await mod(discord_api, "budget", [{"name": "daily", "type": 3, "value": "default"}])
    assert "Daily budget: **0.2 credits (the operator's default)**" in (answer.content or "")
    await logged(discord_api, "changed the daily budget: no daily cap → the operator's default")

    answer = await mod(discord_api, "budget", [{"name": "topup", "type": 3, "value": "2"}])
    assert "top-up of 2 credits" in (answer.content or "")
    answer = await mod(discord_api, "budget", [{"name": "topup", "type": 3, "value": "-0.5"}])
    assert "top-up of 1.5 credits" in (answer.content or "")
    await logged(discord_api, "changed today's top-up: 2 credits → 1.5 credits")
    answer = await mod(discord_api, "budget", [{"name": "topup", "type": 3, "value": "undo"}])
    assert "Today's top-up is removed." in (answer.content or "") and "top-up of" not in (answer.content or "")

    await mod(
        discord_api,
        "price",
        [{"name": "model", "type": 3, "value": "cogvideox-2"}, {"name": "amount", "type": 3, "value": "0.05"}],
    )
    await logged(discord_api, "changed the prices: the operator's default → cogvideox-2 0.05 credits")
    quota = await discord_api.slash("reelbot", [{"name": "quota", "type": 1}], user=member)
    shown = str((await discord_api.wait_for(lambda: discord_api.reply_to(quota), what="quota")).embeds[0])
    assert "cogvideox-2: 0.05 credits" in shown and "cogvideox-3: 0.1 credits" in shown
    assert "no hourly limit" in shown


async def test_setup_cannot_fail_silently(discord_api: FakeDiscord, video_api: FakeVideoAPI, make_bot) -> None:
    """Approval without a log channel is refused with what to do; a log channel the bot cannot post in is
    refused; a good one gets a test line; a report is never "told" when nobody was."""
    await make_bot()
    answer = await mod(discord_api, "approval", [{"name": "enabled", "type": 5, "value": True}])
    assert "needs a log channel" in (answer.content or "") and "`/reelbot-mod log-channel`" in (answer.content or "")
    settings = await mod(discord_api, "settings")
    assert "off · requests expire" in str(settings.embeds[0])

    author = discord_api.user(name="author")
    inter = await discord_api.slash("video", prompt("a quiet pond"), user=author)
    reply = await discord_api.wait_for(lambda: finished(discord_api, inter), what="the video")
    report = await discord_api.press(reply, next(c for c in reply.custom_ids() if c.startswith("rb:report:")))
    await discord_api.wait_for(lambda: report.modal is not None, what="the report modal")
    sent = await discord_api.submit_modal(report, "please look")
    answer = await discord_api.wait_for(lambda: (m := discord_api.reply_to(sent)) and m.content and m, what="answer")
    assert "moderators have been told" not in (answer.content or "")
    assert "couldn't reach the moderators" in (answer.content or "") and answer.flags & 64

    discord_api.fail("POST", rf"/channels/{discord_api.log_channel_id}/messages", 403, 50013)
    option, resolved = discord_api.channel_option("channel", discord_api.log_channel_id)
    answer = await mod(discord_api, "log-channel", [option], resolved)
    assert "couldn't post in" in (answer.content or "") and "Send Messages" in (answer.content or "")
    answer = await mod(discord_api, "approval", [{"name": "enabled", "type": 5, "value": True}])
    assert "needs a log channel" in (answer.content or "")

    answer = await mod(discord_api, "log-channel", [option], resolved)
    assert "I posted a test line there" in (answer.content or "")
    assert any("chose this channel" in (m.content or "") for m in log_lines(discord_api))
    answer = await mod(discord_api, "approval", [{"name": "enabled", "type": 5, "value": True}])
    assert "Approval: on" in (answer.content or "")
    answer = await mod(discord_api, "log-channel")
    assert "needs a log channel" in (answer.content or "") or "Turn it off" in (answer.content or "")


async def test_approval_requests_show_the_picture_options_and_expiry(
    discord_api: FakeDiscord, video_api: FakeVideoAPI, make_bot, tmp_path
) -> None:
    """The log entry carries the /animate picture and the options; the member sees when it expires;
    /reelbot-mod pending lists what waits."""
    await make_bot()
    await set_log_channel(discord_api)
    await mod(
        discord_api,
        "approval",
        [{"name": "enabled", "type": 5, "value": True}, {"name": "expire_hours", "type": 10, "value": 2}],
    )
    data = png()
    attachment = discord_api.attachment(discord_api.host_file("cat.png", data), size=len(data))
    inter = await discord_api.slash(
        "animate",
        [
            {"name": "image", "type": 11, "value": attachment["id"]},
            {"name": "prompt", "type": 3, "value": "the cat yawns"},
            {"name": "duration", "type": 4, "value": 10},
        ],
        resolved={"attachments": {attachment["id"]: attachment}},
    )
    waiting = await discord_api.wait_for(
        lambda: (m := discord_api.reply_to(inter)) and m.title.startswith("🕒") and m, what="the waiting reply"
    )
    expiry = int(jobs_in_db(tmp_path)[0]["deadline_at"])
    assert f"ends <t:{expiry}:R>" in str(waiting.embeds[0])
    request = await logged(discord_api, "“the cat yawns”")
    assert "picture to video" in (request.content or "") and "10 s" in (request.content or "")
    assert f"<t:{expiry}:R>" in (request.content or "")
    assert [name for name in request.files if name.startswith("picture.")], request.files.keys()

    listed = await mod(discord_api, "pending")
    text = str(listed.embeds[0])
    assert jobs_in_db(tmp_path)[0]["id"] in text and "picture to video" in text and f"<t:{expiry}:R>" in text


async def test_the_budget_day_starts_at_the_servers_midnight(
    discord_api: FakeDiscord, video_api: FakeVideoAPI, make_bot
) -> None:
    """A moderator sets the server's time zone; "today" in the quota and settings means that zone's day."""
    await make_bot()
    answer = await mod(discord_api, "timezone", [{"name": "zone", "type": 3, "value": "Mars/Olympus"}])
    assert "isn't a time zone I know" in (answer.content or "")
    answer = await mod(discord_api, "timezone", [{"name": "zone", "type": 3, "value": "+14:00"}])
    local = datetime.now(tz=timezone(timedelta(hours=14)))
    midnight = int((local.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)).timestamp())
    assert f"resets <t:{midnight}:R>" in (answer.content or "")
    quota = await discord_api.slash("reelbot", [{"name": "quota", "type": 1}])
    shown = str((await discord_api.wait_for(lambda: discord_api.reply_to(quota), what="quota")).embeds[0])
    assert f"resets <t:{midnight}:R>" in shown
    settings = str((await mod(discord_api, "settings")).embeds[0])
    assert f"Budget today ({local.date().isoformat()})" in settings and "midnight in +14:00" in settings
