"""Moderators are whoever Discord says they are: command permissions set in Server Settings →
Integrations decide who may press the moderators' buttons, and a refusal comes once, privately."""

from __future__ import annotations

import asyncio

from tests.e2e.test_moderation import logged, mod, set_log_channel
from tests.e2e.test_video import finished, prompt
from tests.standins.fake_discord import MEMBER_PERMS, FakeDiscord, Interaction, Message
from tests.standins.fake_video import FakeVideoAPI


async def one_private_answer(discord_api: FakeDiscord, inter: Interaction) -> Message:
    """Wait for the bot's answer, then check it is the only one and nobody else sees it."""
    answer = await discord_api.wait_for(lambda: discord_api.reply_to(inter), what="an answer")
    await discord_api.wait_for(lambda: inter.acked_at, what="the acknowledgement")
    assert [m.id for m in discord_api.answers(inter)] == [answer.id], "more than one answer"
    assert answer.flags & 64, "the refusal is public"
    return answer


def button(message: Message, action: str) -> str:
    return next(c for c in message.custom_ids() if c.startswith(f"rb:{action}:"))


async def test_a_moderator_role_granted_the_command_can_approve_and_act_on_reports(
    discord_api: FakeDiscord, video_api: FakeVideoAPI, make_bot
) -> None:
    """A Moderator role given /reelbot-mod in Integrations (no Manage Server) may press every moderator button."""
    await make_bot()
    await set_log_channel(discord_api)
    await mod(discord_api, "approval", [{"name": "enabled", "type": 5, "value": True}])
    role = (discord_api.moderator_role_id,)
    mia = discord_api.user(name="mia")  # a moderator by role, without Manage Server

    inter = await discord_api.slash("video", prompt("a castle at dawn"))
    request = await logged(discord_api, "asks for a video")
    before = await discord_api.press(request, button(request, "approve"), user=mia, roles=role)
    answer = await one_private_answer(discord_api, before)
    assert "Only moderators" in (answer.content or "") and video_api.submits == []

    await discord_api.set_command_permissions(
        "reelbot-mod", [{"id": str(discord_api.moderator_role_id), "type": 1, "permission": True}]
    )
    await discord_api.press(request, button(request, "approve"), user=mia, roles=role, permissions=MEMBER_PERMS)
    final = await discord_api.wait_for(lambda: finished(discord_api, inter), what="the approved video")
    assert final.title == "✅ Your video is ready" and "Approved by" in (request.content or "")

    report = await discord_api.press(final, button(final, "report"))
    await discord_api.wait_for(lambda: report.modal is not None, what="the report modal")
    await discord_api.submit_modal(report, "not appropriate here")
    entry = await logged(discord_api, "🚩")
    member = await discord_api.press(entry, button(entry, "block"))  # an ordinary member: one refusal
    answer = await one_private_answer(discord_api, member)
    assert "Only moderators" in (answer.content or "")
    await discord_api.press(entry, button(entry, "mdel"), user=mia, roles=role)
    await discord_api.wait_for(lambda: final.id not in discord_api.messages, what="the video deleted")
    await discord_api.press(entry, button(entry, "block"), user=mia, roles=role)
    await logged(discord_api, "🔒")


async def test_a_server_that_takes_the_command_from_everyone_but_a_role_is_obeyed(
    discord_api: FakeDiscord, video_api: FakeVideoAPI, make_bot
) -> None:
    """@everyone denied on /reelbot-mod: even Manage Server no longer makes a moderator; the role does."""
    await make_bot()
    await discord_api.set_command_permissions(
        "reelbot-mod",
        [
            {"id": str(discord_api.guild_id), "type": 1, "permission": False},
            {"id": str(discord_api.moderator_role_id), "type": 1, "permission": True},
        ],
    )
    await set_log_channel(discord_api)
    await mod(discord_api, "approval", [{"name": "enabled", "type": 5, "value": True}])
    await discord_api.slash("video", prompt("a dragon"))
    request = await logged(discord_api, "asks for a video")
    manager = await discord_api.press(request, button(request, "reject"), permissions=MEMBER_PERMS | (1 << 5))
    assert "Only moderators" in ((await one_private_answer(discord_api, manager)).content or "")
    await discord_api.press(request, button(request, "reject"), roles=(discord_api.moderator_role_id,))
    await discord_api.wait_for(lambda: "Rejected by" in (request.content or ""), what="the rejection")


async def command_list_reads_in_a_burst(discord_api: FakeDiscord, video_api: FakeVideoAPI) -> int:
    """Ten members ask for a video at once; return how often the bot read the command list meanwhile."""
    since = len(discord_api.requests)
    members = [discord_api.user(name=f"member{i}") for i in range(10)]
    await asyncio.gather(*(discord_api.slash("video", prompt("a fox"), user=m) for m in members))
    await discord_api.wait_for(lambda: len(video_api.submits) == 10, what="every job submitted")
    return len([r for r in discord_api.requests[since:] if r.method == "GET" and r.path.endswith("/commands")])


async def test_a_burst_of_commands_asks_discord_for_the_command_list_once(
    discord_api: FakeDiscord, video_api: FakeVideoAPI, make_bot
) -> None:
    """Ten members at once: the moderator check reads /reelbot-mod's id once, not once per command
    (each read is a large, rate-limited request; ten of them would queue behind Discord's limit)."""
    await make_bot()
    assert await command_list_reads_in_a_burst(discord_api, video_api) == 1


async def test_a_burst_while_discord_fails_the_command_list_asks_once_and_answers_everyone(
    discord_api: FakeDiscord, video_api: FakeVideoAPI, make_bot
) -> None:
    """Discord failing the read (403): the commands waiting behind it take the fallback (Manage Server) for a
    few seconds instead of each asking again in turn, and every member still gets a job."""
    await make_bot()
    discord_api.fail("GET", r"/applications/\d+/commands$", 403, 50001, times=100)
    assert await command_list_reads_in_a_burst(discord_api, video_api) == 1


async def test_a_burst_while_discord_fails_the_servers_command_permissions_asks_once(
    discord_api: FakeDiscord, video_api: FakeVideoAPI, make_bot
) -> None:
    """The same for the server's command permissions: one failed read, then the fallback for a few seconds."""
    await make_bot()
    discord_api.fail("GET", r"/guilds/\d+/commands/permissions$", 403, 50001, times=100)
    since = len(discord_api.requests)
    assert await command_list_reads_in_a_burst(discord_api, video_api) == 1
    reads = [r for r in discord_api.requests[since:] if r.method == "GET" and r.path.endswith("/commands/permissions")]
    assert len(reads) == 1, f"the server's command permissions were asked for {len(reads)} times"
