"""Community moderation end to end: the log channel, approvals, buttons (also after a restart),
budget alerts, rules, reports, usage, and replies in Simplified Chinese."""

from __future__ import annotations

from typing import Any

from tests.e2e.harness import jobs_in_db, wait_until
from tests.e2e.test_video import finished, prompt
from tests.standins.fake_discord import MANAGE_GUILD, MEMBER_PERMS, FakeDiscord, Message
from tests.standins.fake_video import FakeVideoAPI

MOD = MEMBER_PERMS | MANAGE_GUILD


async def mod(
    discord_api: FakeDiscord,
    sub: str,
    options: list[dict[str, Any]] | None = None,
    resolved: dict[str, Any] | None = None,
) -> Message:
    """Run a /reelbot-mod subcommand as a moderator and return the (private) answer."""
    inter = await discord_api.slash(
        "reelbot-mod", [{"name": sub, "type": 1, "options": options or []}], permissions=MOD, resolved=resolved
    )
    return await discord_api.wait_for(lambda: discord_api.reply_to(inter), what=f"/reelbot-mod {sub}")


async def set_log_channel(discord_api: FakeDiscord) -> None:
    option, resolved = discord_api.channel_option("channel", discord_api.log_channel_id)
    answer = await mod(discord_api, "log-channel", [option], resolved)
    assert "Saved" in (answer.content or ""), answer.content


def log_lines(discord_api: FakeDiscord) -> list[Message]:
    return discord_api.in_channel(discord_api.log_channel_id)


async def logged(discord_api: FakeDiscord, text: str) -> Message:
    return await discord_api.wait_for(
        lambda: next((m for m in log_lines(discord_api) if text in (m.content or "")), None), what=f"log: {text}"
    )


async def test_a_zh_cn_member_gets_a_chinese_reply_and_commands_are_localised(
    discord_api: FakeDiscord, video_api: FakeVideoAPI, make_bot
) -> None:
    await make_bot()
    synced = {c["name"]: c for c in discord_api.commands}
    assert synced["video"]["name_localizations"]["zh-CN"] == "文生视频"
    assert synced["animate"]["name_localizations"]["zh-CN"] == "图生视频"
    assert synced["video"]["description_localizations"]["zh-CN"] == "根据文字描述生成短视频"
    inter = await discord_api.slash("video", prompt("一只在雪地里奔跑的红狐狸"), locale="zh-CN")
    reply = await discord_api.wait_for(lambda: finished(discord_api, inter), what="the final reply")
    titles = [h["title"] for h in reply.history if h["title"]]
    assert titles[0].startswith("🎬 排队中") and titles[-1] == "✅ 视频已生成"
    assert "你的视频已生成" in (reply.content or "")
    labels = [c["label"] for row in reply.components for c in row["components"]]
    assert labels == ["Re-roll", "Edit & retry", "Extend", "Delete", "Report"]  # public: the server's language
    blank = await discord_api.slash("video", prompt("\u200b"), locale="zh-CN")
    answer = await discord_api.wait_for(lambda: discord_api.reply_to(blank), what="a refusal")
    assert answer.content == "提示词是空的：请描述你想要的视频。"


async def test_approval_mode_from_request_to_delivery(
    discord_api: FakeDiscord, video_api: FakeVideoAPI, make_bot, tmp_path
) -> None:
    await make_bot()
    await set_log_channel(discord_api)
    await mod(discord_api, "approval", [{"name": "enabled", "type": 5, "value": True}])
    inter = await discord_api.slash("video", prompt("a castle at dawn"))
    reply = await discord_api.wait_for(lambda: (m := discord_api.reply_to(inter)) and m.title and m, what="reply")
    assert reply.title == "🕒 Waiting for a moderator"
    assert jobs_in_db(tmp_path)[0]["charge"] == "none" and video_api.submits == []
    request = await logged(discord_api, "asks for a video")
    approve = next(c for c in request.custom_ids() if c.startswith("rb:approve:"))

    member_press = await discord_api.press(request, approve)  # a member cannot approve
    answer = await discord_api.wait_for(lambda: discord_api.reply_to(member_press), what="refusal")
    assert "Only moderators" in (answer.content or "")

    await discord_api.press(request, approve, permissions=MOD)
    final = await discord_api.wait_for(lambda: finished(discord_api, inter), what="the video")
    assert final.title == "✅ Your video is ready"
    assert "Approved by" in (request.content or "") and request.custom_ids() == []
    assert jobs_in_db(tmp_path)[0]["charge"] == "reserved" and len(video_api.submits) == 1

    second = await discord_api.slash("video", prompt("a dragon"))
    await discord_api.wait_for(lambda: (m := discord_api.reply_to(second)) and m.title.startswith("🕒"), what="wait")
    request = await logged(discord_api, "“a dragon”")
    await discord_api.press(
        request, next(c for c in request.custom_ids() if c.startswith("rb:reject:")), permissions=MOD
    )
    rejected = await discord_api.wait_for(lambda: finished(discord_api, second), what="the rejection")
    assert rejected.title == "❌ No video this time" and "declined" in str(rejected.embeds[0])
    assert len(video_api.submits) == 1


async def test_budget_alerts_at_50_80_and_100_percent_once_each(
    discord_api: FakeDiscord, video_api: FakeVideoAPI, make_bot
) -> None:
    await make_bot(GUILD_DAILY_BUDGET="0.5", PRICE_PER_VIDEO="0.1", USER_HOURLY_LIMIT="20")
    await set_log_channel(discord_api)
    for i in range(5):
        inter = await discord_api.slash("video", prompt(f"clip {i}"))
        await discord_api.wait_for(lambda i=inter: finished(discord_api, i), what="a video")
    for percent in (50, 80, 100):
        await logged(discord_api, f"💰 {percent}% of this server's daily budget")
    alerts = [m for m in log_lines(discord_api) if "💰" in (m.content or "")]
    assert len(alerts) == 3
    assert any("🎬 <@" in (m.content or "") for m in log_lines(discord_api))  # requests are logged too
    assert any("📼" in (m.content or "") for m in log_lines(discord_api))  # and results


async def test_buttons_work_after_a_restart_and_respect_who_pressed(
    discord_api: FakeDiscord,
    video_api: FakeVideoAPI,
    make_bot,
    tmp_path,
) -> None:
    bot = await make_bot()
    owner = discord_api.user(name="owner")
    inter = await discord_api.slash("video", prompt("a lighthouse"), user=owner)
    reply = await discord_api.wait_for(lambda: finished(discord_api, inter), what="the video")
    await bot.stop()
    await bot.start(discord_api)  # a new process: the buttons must still work

    stranger = await discord_api.press(reply, next(c for c in reply.custom_ids() if c.startswith("rb:del:")))
    answer = await discord_api.wait_for(lambda: discord_api.reply_to(stranger), what="refusal")
    assert "Only the person who asked" in (answer.content or "") and reply.id in discord_api.messages

    reroll = await discord_api.press(
        reply, next(c for c in reply.custom_ids() if c.startswith("rb:reroll:")), user=owner
    )
    again = await discord_api.wait_for(lambda: finished(discord_api, reroll), what="the re-rolled video")
    assert again.id != reply.id and again.title == "✅ Your video is ready"
    assert [s["prompt"] for s in video_api.submits] == ["a lighthouse", "a lighthouse"]
    jobs = jobs_in_db(tmp_path)
    assert len(jobs) == 2 and jobs[1]["parent_id"] == jobs[0]["id"] and jobs[1]["charge"] == "reserved"

    edit = await discord_api.press(again, next(c for c in again.custom_ids() if c.startswith("rb:edit:")), user=owner)
    await discord_api.wait_for(lambda: edit.modal is not None, what="the edit modal")
    submitted = await discord_api.submit_modal(edit, "a lighthouse in a storm", user=owner)
    await discord_api.wait_for(lambda: finished(discord_api, submitted), what="the edited video")
    assert video_api.submits[-1]["prompt"] == "a lighthouse in a storm"

    delete = await discord_api.press(reply, next(c for c in reply.custom_ids() if c.startswith("rb:del:")), user=owner)
    question = await discord_api.wait_for(lambda: discord_api.reply_to(delete), what="are you sure?")
    await discord_api.press(question, next(c for c in question.custom_ids() if c.startswith("rb:delok:")), user=owner)
    await discord_api.wait_for(lambda: reply.id not in discord_api.messages, what="the deletion")


async def test_report_reaches_moderators_who_can_delete_and_block(
    discord_api: FakeDiscord, video_api: FakeVideoAPI, make_bot
) -> None:
    await make_bot()
    await set_log_channel(discord_api)
    author = discord_api.user(name="author")
    inter = await discord_api.slash("video", prompt("something questionable"), user=author)
    reply = await discord_api.wait_for(lambda: finished(discord_api, inter), what="the video")
    report = await discord_api.press(reply, next(c for c in reply.custom_ids() if c.startswith("rb:report:")))
    await discord_api.wait_for(lambda: report.modal is not None, what="the report modal")
    thanks = await discord_api.submit_modal(report, "not appropriate here")
    assert "moderators have been told" in (
        await discord_api.wait_for(lambda: (m := discord_api.reply_to(thanks)) and m.content, what="thanks")
    )
    entry = await logged(discord_api, "🚩")
    assert "not appropriate here" in (entry.content or "")
    await discord_api.press(entry, next(c for c in entry.custom_ids() if c.startswith("rb:mdel:")), permissions=MOD)
    await discord_api.wait_for(lambda: reply.id not in discord_api.messages, what="the video deleted")
    await discord_api.press(entry, next(c for c in entry.custom_ids() if c.startswith("rb:block:")), permissions=MOD)
    await logged(discord_api, "🔒")
    blocked = await discord_api.slash("video", prompt("again"), user=author)
    answer = await discord_api.wait_for(lambda: discord_api.reply_to(blocked), what="the refusal")
    assert answer.flags & 64 and "stopped you from making videos" in (answer.content or "")
    await logged(discord_api, "⛔ Refused")


async def test_cancel_while_queued_releases_the_money(
    discord_api: FakeDiscord, video_api: FakeVideoAPI, make_bot, tmp_path
) -> None:
    video_api.duration = 3.0
    await make_bot(PROVIDER_MAX_IN_FLIGHT="1")
    first = await discord_api.slash("video", prompt("first"))
    await discord_api.wait_for(lambda: len(video_api.submits) == 1, what="the first submit")
    second = await discord_api.slash("video", prompt("second"))
    queued = await discord_api.wait_for(
        lambda: (m := discord_api.reply_to(second)) and m.title.startswith("🎬") and m.custom_ids() and m,
        what="the queued reply",
    )
    await discord_api.press(
        queued,
        next(c for c in queued.custom_ids() if c.startswith("rb:cancel:")),
        user={
            "id": str(second.user_id),
            "username": "member",
            "discriminator": "0",
            "avatar": None,
            "global_name": "member",
        },
    )
    final = await discord_api.wait_for(lambda: finished(discord_api, second), what="cancelled")
    assert final.title == "🚫 Cancelled"
    await discord_api.wait_for(lambda: finished(discord_api, first), what="the first video")
    assert len(video_api.submits) == 1
    assert [j["charge"] for j in jobs_in_db(tmp_path)] == ["reserved", "released"]


async def test_rules_refuse_privately_before_any_money_moves(
    discord_api: FakeDiscord, video_api: FakeVideoAPI, make_bot
) -> None:
    await make_bot()
    await set_log_channel(discord_api)
    answer = await mod(
        discord_api,
        "blocklist",
        [
            {"name": "action", "type": 3, "value": "add"},
            {"name": "words", "type": 3, "value": "(a+)+$"},
            {"name": "regex", "type": 5, "value": True},
        ],
    )
    assert "too slow" in (answer.content or "")
    await mod(
        discord_api,
        "blocklist",
        [{"name": "action", "type": 3, "value": "add"}, {"name": "words", "type": 3, "value": "gore"}],
    )
    inter = await discord_api.slash("video", prompt("lots of GORE please"))
    answer = await discord_api.wait_for(lambda: discord_api.reply_to(inter), what="the refusal")
    assert answer.flags & 64 and "a word this server doesn't allow: “GORE”" in (answer.content or "")

    option, resolved = discord_api.channel_option("channel", discord_api.log_channel_id)
    await mod(discord_api, "channel", [option], resolved)
    inter = await discord_api.slash("video", prompt("a calm sea"))
    answer = await discord_api.wait_for(lambda: discord_api.reply_to(inter), what="the refusal")
    assert f"<#{discord_api.log_channel_id}>" in (answer.content or "")
    assert video_api.submits == []
    await logged(discord_api, "⛔ Refused")


async def test_usage_lookup_jobs_and_forget_me(
    discord_api: FakeDiscord, video_api: FakeVideoAPI, make_bot, tmp_path
) -> None:
    await make_bot()
    member = discord_api.user(name="member")
    inter = await discord_api.slash("video", prompt("a windmill"), user=member)
    await discord_api.wait_for(lambda: finished(discord_api, inter), what="the video")
    job_id = jobs_in_db(tmp_path)[0]["id"]

    usage = await mod(discord_api, "usage")
    assert "1 videos, 0.1 credits" in str(usage.embeds[0]) and list(usage.files) == ["usage.png"]
    assert "By member" in str(usage.embeds[0]) and "By day" in str(usage.embeds[0])
    assert usage.files["usage.png"][:8] == b"\x89PNG\r\n\x1a\n"
    lookup = await mod(discord_api, "job", [{"name": "id", "type": 3, "value": job_id}])
    assert "a windmill" in str(lookup.embeds[0]) and "done" in str(lookup.embeds[0])

    mine = await discord_api.slash("reelbot", [{"name": "jobs", "type": 1}], user=member)
    listed = await discord_api.wait_for(lambda: discord_api.reply_to(mine), what="the list")
    assert job_id in str(listed.embeds[0])
    forget = await discord_api.slash("reelbot", [{"name": "forget-me", "type": 1}], user=member)
    answer = await discord_api.wait_for(lambda: discord_api.reply_to(forget), what="forgotten")
    assert "1 of your requests" in (answer.content or "")
    await wait_until(lambda: jobs_in_db(tmp_path) == [], what="the job deleted")
    quota = await discord_api.slash("reelbot", [{"name": "quota", "type": 1}])
    answer = await discord_api.wait_for(lambda: discord_api.reply_to(quota), what="quota")
    assert "0.9 of 1 credits left" in str(answer.embeds[0])  # the money stays counted


async def test_every_settings_command_answers_and_takes_effect(
    discord_api: FakeDiscord, video_api: FakeVideoAPI, make_bot
) -> None:
    await make_bot()
    answer = await mod(
        discord_api,
        "price",
        [{"name": "model", "type": 3, "value": "cogvideox-3"}, {"name": "amount", "type": 3, "value": "0.25"}],
    )
    assert "cogvideox-3 0.25" in (answer.content or "")
    answer = await mod(
        discord_api,
        "limits",
        [{"name": "per_hour", "type": 4, "value": 1}, {"name": "server_at_once", "type": 4, "value": 4}],
    )
    assert "1 per hour" in (answer.content or "") and "Server: 4 at once" in (answer.content or "")
    role = {
        "id": str(discord_api.guild_id + 5),
        "name": "Trusted",
        "permissions": "0",
        "position": 1,
        "color": 0,
        "hoist": False,
        "managed": False,
        "mentionable": False,
        "flags": 0,
    }
    answer = await mod(
        discord_api,
        "role",
        [{"name": "role", "type": 8, "value": role["id"]}, {"name": "kind", "type": 3, "value": "exempt"}],
        {"roles": {role["id"]: role}},
    )
    assert f"Exempt roles: <@&{role['id']}>" in (answer.content or "")
    answer = await mod(discord_api, "animate-nsfw-only", [{"name": "enabled", "type": 5, "value": True}])
    assert "Pictures only in age-restricted channels: on" in (answer.content or "")
    someone = discord_api.user(name="someone")
    option, resolved = discord_api.user_option("member", someone)
    answer = await mod(discord_api, "block", [option, {"name": "reason", "type": 3, "value": "spam"}], resolved)
    assert "blocked" in (answer.content or "")
    answer = await mod(discord_api, "unblock", [option], resolved)
    assert "can make videos again" in (answer.content or "")
    answer = await mod(
        discord_api,
        "budget",
        [{"name": "monthly", "type": 3, "value": "20"}, {"name": "topup", "type": 3, "value": "0.5"}],
    )
    assert "Monthly budget: **20 credits**" in (answer.content or "") and "top-up of 0.5" in (answer.content or "")
    settings = await mod(discord_api, "settings")
    text = str(settings.embeds[0])
    assert "1 credits (the operator's default) · 0 credits spent · 1.5 credits left" in text
    assert "`/reelbot-mod budget daily:`" in text and "`/reelbot-mod blocklist`" in text
    assert "1 per hour" in text and "off · requests expire after 24 h" in text

    member = discord_api.user(name="member")
    first = await discord_api.slash("video", prompt("one"), user=member)
    await discord_api.wait_for(lambda: finished(discord_api, first), what="a video")
    again = await discord_api.slash("video", prompt("two"), user=member)  # the new hourly limit of 1 applies
    answer = await discord_api.wait_for(lambda: discord_api.reply_to(again), what="the refusal")
    assert "1 of your 1 videos this hour" in (answer.content or "")
    image = await discord_api.slash(
        "Animate image",
        command_type=3,
        target_id=1,
        resolved={"messages": {"1": discord_api.message_payload(content="x")}},
    )
    answer = await discord_api.wait_for(lambda: discord_api.reply_to(image), what="the refusal")
    assert answer.flags & 64


async def test_cancel_while_the_submit_answer_is_lost_is_honest_and_never_pays_twice(
    discord_api: FakeDiscord, video_api: FakeVideoAPI, make_bot, tmp_path
) -> None:
    """The member presses Cancel while the video service is not answering (the request landed, the answer
    was lost). Before the lifecycle issue: the price was released and the member read "nothing was charged"
    while the provider billed the task. Now: one paid task, an honest answer, and the server's budget counts it."""
    import copy

    video_api.duration = 2.0
    await make_bot(PROVIDER_MAX_IN_FLIGHT="1")
    first = await discord_api.slash("video", prompt("first"))
    await discord_api.wait_for(lambda: len(video_api.submits) == 1, what="the first submit")
    second = await discord_api.slash("video", prompt("second"))
    queued = await discord_api.wait_for(
        lambda: (m := discord_api.reply_to(second)) and m.title.startswith("🎬") and m.custom_ids() and m,
        what="the queued reply",
    )
    queued = copy.deepcopy(queued)  # the member's screen still shows Cancel while the job is being sent
    video_api.submit_errors += [("lost", 504), ("lost", 504)]
    await discord_api.wait_for(lambda: len(video_api.submits) == 2, what="the second job's lost submit")
    member = {"id": str(second.user_id), "username": "member", "discriminator": "0", "avatar": None}
    pressed = await discord_api.press(
        queued, next(c for c in queued.custom_ids() if c.startswith("rb:cancel:")), user={**member, "global_name": "m"}
    )
    answer = await discord_api.wait_for(lambda: discord_api.reply_to(pressed), what="the answer to Cancel")
    assert answer.flags & 64 and "already sent to the video service" in (answer.content or "")
    final = await discord_api.wait_for(lambda: finished(discord_api, second), what="the paid video", timeout=40)
    assert final.title.startswith("✅")
    await discord_api.wait_for(lambda: finished(discord_api, first), what="the first video")
    assert len(video_api.tasks) == 2  # one task per request: nothing paid twice
    jobs = jobs_in_db(tmp_path)
    assert [j["charge"] for j in jobs] == ["reserved", "reserved"]  # the budget counts what the provider bills
