"""Start-up problems end in one clear line and a non-zero exit, never a traceback."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.harness import BotProcess, bot_env, cli
from tests.standins.fake_discord import FakeDiscord
from tests.standins.fake_video import FakeVideoAPI


async def test_missing_token_says_what_to_fill_and_where(tmp_path: Path) -> None:
    code, out = await cli(tmp_path, {}, "run")
    assert code == 2
    assert out.count("\n") == 1 and "Traceback" not in out
    assert "DISCORD_TOKEN is not set" in out and ".env.example" in out and "Reset Token" in out


async def test_malformed_setting_is_named(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("DISCORD_TOKEN=abc\nVIDEO_API_KEY=def\nPRICE_PER_VIDEO=cheap\n")
    code, out = await cli(tmp_path, {}, "run")
    assert code == 2 and "PRICE_PER_VIDEO='cheap' is not an amount of credits" in out


async def test_rejected_token_is_explained(tmp_path: Path, discord_api: FakeDiscord, video_api: FakeVideoAPI) -> None:
    env = bot_env(tmp_path, discord_api, video_api, DISCORD_TOKEN="wrong-token")
    code, out = await cli(tmp_path, env, "run")
    assert code == 2 and "Discord rejected DISCORD_TOKEN" in out and "wrong-token" not in out


async def test_message_content_intent_refused_by_discord_is_explained(
    tmp_path: Path, discord_api: FakeDiscord, video_api: FakeVideoAPI
) -> None:
    discord_api.close_code_on_identify = 4014
    bot = BotProcess(tmp_path, bot_env(tmp_path, discord_api, video_api, MESSAGE_CONTENT_INTENT="true"))
    await bot.start()
    assert await bot.wait_exit() == 2
    assert "Message Content intent is off" in bot.log()
    assert discord_api.identify is not None and discord_api.identify["intents"] & (1 << 15)


async def test_commands_are_guild_only_and_the_moderators_command_needs_manage_server(
    discord_api: FakeDiscord, video_api: FakeVideoAPI, make_bot
) -> None:
    await make_bot()
    synced = {c["name"]: c for c in discord_api.commands}
    assert set(synced) == {"video", "animate", "Animate image", "reelbot", "reelbot-mod"}
    for command in synced.values():
        assert command["contexts"] == [0] and command["integration_types"] == [0]
    assert str(synced["reelbot-mod"]["default_member_permissions"]) == "32"
    assert synced["reelbot"].get("default_member_permissions") is None
    assert synced["Animate image"]["type"] == 3
    [sync] = [r for r in discord_api.requests if r.method == "PUT"]
    assert sync.path == f"/applications/{discord_api.app_id}/commands"


async def test_dev_guild_gets_its_commands_at_once(discord_api: FakeDiscord, video_api: FakeVideoAPI, make_bot) -> None:
    await make_bot(DEV_GUILD_ID=str(discord_api.guild_id))
    [sync] = [r for r in discord_api.requests if r.method == "PUT"]
    assert sync.path == f"/applications/{discord_api.app_id}/guilds/{discord_api.guild_id}/commands"


async def test_switching_to_another_application_registers_its_commands(
    tmp_path: Path, discord_api: FakeDiscord, video_api: FakeVideoAPI
) -> None:
    """Proves a second application on the same DATA_DIR gets its slash commands (issue 13)."""
    expected = {"video", "animate", "Animate image", "reelbot", "reelbot-mod"}
    first = BotProcess(tmp_path, bot_env(tmp_path, discord_api, video_api))
    await first.start(discord_api)
    await first.stop()
    test_app = discord_api.app_id
    assert {c["name"] for c in discord_api.commands} == expected

    real_app = discord_api.new_application()  # the operator puts the real bot's token in .env
    second = BotProcess(tmp_path, bot_env(tmp_path, discord_api, video_api))
    await second.start(discord_api)
    await second.stop()
    assert {c["name"] for c in discord_api.app_commands.get(real_app, [])} == expected, second.log()
    assert {c["name"] for c in discord_api.app_commands[test_app]} == expected


async def test_a_start_trusts_its_marker_and_asks_discord_when_in_doubt(
    tmp_path: Path, discord_api: FakeDiscord, video_api: FakeVideoAPI
) -> None:
    """Proves restarts send no command requests, and a lost marker costs one GET, not a re-sync."""
    env = bot_env(tmp_path, discord_api, video_api)
    app_commands = f"/applications/{discord_api.app_id}/commands"

    async def start_and_stop() -> list[str]:
        discord_api.requests.clear()
        bot = BotProcess(tmp_path, env)
        await bot.start(discord_api)
        await bot.stop()
        return [r.method for r in discord_api.requests if r.path == app_commands]

    assert await start_and_stop() == ["GET", "PUT"]  # a fresh data folder: ask, then register
    assert await start_and_stop() == []  # same application, same commands: nothing to ask
    for marker in (tmp_path / "data").glob("commands-*"):
        marker.unlink()
    assert await start_and_stop() == ["GET"]  # Discord already has them: no re-sync
    discord_api.commands.pop()
    for marker in (tmp_path / "data").glob("commands-*"):
        marker.unlink()
    assert await start_and_stop() == ["GET", "PUT"]  # Discord lacks one: register again
