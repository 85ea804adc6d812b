"""Chinese that reads as Chinese: a zh-CN moderator and member see no English beyond names, numbers and
model ids — in replies, refusals, settings, log lines and command names — end to end through discord.py."""

from __future__ import annotations

import io
import re
from typing import Any

from PIL import Image, ImageChops

from bot.ui.chart import spend_chart
from tests.e2e.harness import jobs_in_db
from tests.e2e.test_animate import png
from tests.e2e.test_moderation import MOD, log_lines
from tests.e2e.test_video import finished, prompt
from tests.standins.fake_discord import FakeDiscord, Interaction, Message
from tests.standins.fake_video import FakeVideoAPI

ZH = {"locale": "zh-CN", "guild_locale": "zh-CN"}
# What may stay in Latin letters: names (the bot, its commands, Discord, image formats, a time zone a moderator
# typed, words a moderator put on the blocklist), units and model ids.
NAMES = re.compile(
    r"cogvideox-[\w-]+|vidu[\w.-]+|CogVideoX|reelbot-mod|reelbot|Discord|PNG|JPEG|WebP|GIF|MB|AI|UTC|Asia/Shanghai|gore"
)
MARKUP = re.compile(r"<(?:@[!&]?|#)\d+>|<t:\d+(?::\w)?>|\]\(https?://[^)]+\)|https?://\S+")


def latin_fragments(text: str, ids: set[str]) -> list[str]:
    """Return the runs of Latin letters left once names, mentions, timestamps, links and job ids are gone."""
    for job_id in ids:
        text = text.replace(job_id, "")
    return re.findall(r"[A-Za-z][A-Za-z' ]*", NAMES.sub("", MARKUP.sub("", text)))


def visible(message: Message) -> list[str]:
    """Every text a member sees in a message: content, embeds and button labels."""
    texts = [message.content or ""]
    for embed in message.embeds:
        texts += [embed.get("title", ""), embed.get("description", ""), embed.get("footer", {}).get("text", "")]
        texts += [f"{f['name']} {f['value']}" for f in embed.get("fields", [])]
    texts += [c.get("label", "") for row in message.components for c in row.get("components", [])]
    return [t for t in texts if t]


async def zh_mod(discord_api: FakeDiscord, sub: str, options: list[dict[str, Any]] | None = None, **kw: Any) -> Message:
    inter = await discord_api.slash(
        "reelbot-mod", [{"name": sub, "type": 1, "options": options or []}], permissions=MOD, **ZH, **kw
    )
    return await discord_api.wait_for(lambda: discord_api.reply_to(inter), what=f"/reelbot-mod {sub}")


async def zh_member(discord_api: FakeDiscord, name: str, options: list[dict[str, Any]], **kw: Any) -> Interaction:
    return await discord_api.slash(name, options, **ZH, **kw)


def walk(options: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found = []
    for option in options:
        found.append(option)
        found += walk(option.get("options", []))
    return found


async def test_a_chinese_moderator_and_member_read_chinese_everywhere(
    discord_api: FakeDiscord, video_api: FakeVideoAPI, make_bot, tmp_path
) -> None:
    discord_api.guild_locale = "zh-CN"  # a Chinese server: its public buttons are Chinese too
    """Every text a zh-CN moderator or member sees — replies, refusals, settings, the log channel, command
    names — is Chinese, apart from names, numbers and model ids."""
    await make_bot()
    seen: list[Message] = []

    synced = {c["name"]: c for c in discord_api.commands}
    assert synced["video"]["name_localizations"]["zh-CN"] == "文生视频"
    assert synced["animate"]["name_localizations"]["zh-CN"] == "图生视频"
    assert synced["video"]["name_localizations"]["zh-TW"] == "文生影片"  # Traditional, not Simplified
    untranslated = []
    for command in (synced["reelbot-mod"], synced["reelbot"]):
        for item in [command, *walk(command.get("options", []))]:
            if item is not command and not (item.get("name_localizations") or {}).get("zh-CN"):
                untranslated.append(item["name"])
            if not (item.get("description_localizations") or {}).get("zh-CN"):
                untranslated.append(item["description"])
            untranslated += [
                c["name"]
                for c in item.get("choices", [])
                if not c["name"].startswith("cogvideox") and not (c.get("name_localizations") or {}).get("zh-CN")
            ]
    assert not untranslated

    option, resolved = discord_api.channel_option("channel", discord_api.log_channel_id)
    seen.append(await zh_mod(discord_api, "log-channel", [option], resolved=resolved))
    assert seen[-1].content and seen[-1].content.startswith("已保存")
    seen.append(await zh_mod(discord_api, "budget", [{"name": "daily", "type": 3, "value": "5"}]))
    seen.append(await zh_mod(discord_api, "budget", [{"name": "topup", "type": 3, "value": "撤销"}]))
    seen.append(await zh_mod(discord_api, "budget", [{"name": "monthly", "type": 3, "value": "关闭"}]))
    seen.append(await zh_mod(discord_api, "limits", [{"name": "per_hour", "type": 4, "value": 0}]))
    seen.append(await zh_mod(discord_api, "timezone", [{"name": "zone", "type": 3, "value": "Asia/Shanghai"}]))
    seen.append(
        await zh_mod(
            discord_api,
            "price",
            [{"name": "model", "type": 3, "value": "cogvideox-3"}, {"name": "amount", "type": 3, "value": "默认"}],
        )
    )
    add = [{"name": "action", "type": 3, "value": "add"}, {"name": "words", "type": 3, "value": "血腥，gore"}]
    seen.append(await zh_mod(discord_api, "blocklist", add))
    seen.append(await zh_mod(discord_api, "blocklist", [{"name": "action", "type": 3, "value": "show"}]))
    seen.append(await zh_mod(discord_api, "animate-nsfw-only", [{"name": "enabled", "type": 5, "value": False}]))

    member = discord_api.user(name="成员")
    inter = await zh_member(discord_api, "video", prompt("一只在雪地里奔跑的红狐狸"), user=member)
    done = await discord_api.wait_for(lambda: finished(discord_api, inter), what="the video")
    assert done.title == "✅ 视频已生成"
    seen.append(done)
    refused = await zh_member(discord_api, "video", prompt("一个血腥的场面"), user=member)
    seen.append(await discord_api.wait_for(lambda: discord_api.reply_to(refused), what="the blocklist refusal"))
    assert "“血腥”" in (seen[-1].content or "")
    wrong = await zh_member(
        discord_api,
        "video",
        [
            *prompt("海浪"),
            {"name": "model", "type": 3, "value": "cogvideox-flash"},
            {"name": "fps", "type": 4, "value": 60},
        ],
        user=member,
    )
    seen.append(await discord_api.wait_for(lambda: discord_api.reply_to(wrong), what="the options refusal"))
    assert "帧率" in (seen[-1].content or "")
    quota = await zh_member(discord_api, "reelbot", [{"name": "quota", "type": 1}], user=member)
    seen.append(await discord_api.wait_for(lambda: discord_api.reply_to(quota), what="quota"))

    seen.append(await zh_mod(discord_api, "settings"))
    seen.append(await zh_mod(discord_api, "pending"))
    usage = await zh_mod(discord_api, "usage")
    seen.append(usage)
    month = re.search(r"本月（(\d{4}-\d{2})）", str(usage.embeds[0]))
    assert month is not None
    chart = Image.open(io.BytesIO(usage.files["usage.png"])).convert("L").crop((0, 0, 900, 40))
    boxes = Image.open(io.BytesIO(spend_chart(month.group(1), {}, "\ue000" * 8))).convert("L").crop((0, 0, 900, 40))
    assert ImageChops.difference(chart, boxes).getbbox() is not None  # the chart's title is not missing-glyph boxes
    seen.append(await zh_mod(discord_api, "approval", [{"name": "enabled", "type": 5, "value": True}]))
    seen += log_lines(discord_api)
    assert any("修改了每日预算：运营者的默认值 → 5 积分" in (m.content or "") for m in log_lines(discord_api))
    assert any("已拒绝" in (m.content or "") and "屏蔽词" in (m.content or "") for m in log_lines(discord_api))

    ids = {str(j["id"]) for j in jobs_in_db(tmp_path)}
    leftovers = {text: frag for m in seen for text in visible(m) if (frag := latin_fragments(text, ids))}
    assert not leftovers


async def test_a_mention_written_in_chinese_is_answered_in_chinese(
    discord_api: FakeDiscord, video_api: FakeVideoAPI, make_bot
) -> None:
    """A mention carries no locale: a prompt mostly in Chinese gets Chinese replies in an English server."""
    await make_bot()
    data = png()
    att = discord_api.attachment(discord_api.host_file("dog.png", data), size=len(data))
    me = discord_api.bot_user
    msg = discord_api.message_payload(content=f"<@{me['id']}> 让小狗摇尾巴", attachments=[att], mentions=[me])
    await discord_api.post_message(msg)
    reply = await discord_api.wait_for(
        lambda: next(
            (m for m in discord_api.messages.values() if m.reference_id == int(msg["id"]) and m.title.startswith("✅")),
            None,
        ),
        what="the finished mention reply",
    )
    assert reply.title == "✅ 视频已生成" and "你的视频已生成" in (reply.content or "")
    # The buttons under a public message speak the server's language (English here), whoever asked.
    assert next(c["label"] for row in reply.components for c in row["components"]) == "Re-roll"
