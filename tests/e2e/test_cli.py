"""The operator's commands against the local stand-ins: doctor, try, sync, migrate, health, metrics, logs."""

from __future__ import annotations

import asyncio
import json
import secrets
import socket
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from tests.conftest import postgres_url
from tests.e2e.harness import bot_env, cli, wait_until
from tests.e2e.test_video import finished, prompt
from tests.standins.fake_discord import FakeDiscord
from tests.standins.fake_video import TINY_MP4, FakeVideoAPI


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_doctor_passes_when_everything_is_right(
    tmp_path: Path, discord_api: FakeDiscord, video_api: FakeVideoAPI
) -> None:
    env = bot_env(tmp_path, discord_api, video_api)
    assert (await cli(tmp_path, env, "migrate"))[0] == 0
    code, out = await cli(tmp_path, env, "doctor")
    assert code == 0, out
    assert "✗" not in out
    for expected in (
        "✓ settings",
        "✓ Discord token valid",
        "✓ provider reachable",
        "✓ database reachable and migrated",
        "is writable",
        "permissions=274878024704",
    ):
        assert expected in out
    assert discord_api.bot_token not in out and video_api.api_key not in out


async def test_doctor_names_each_problem_and_its_fix(
    tmp_path: Path, discord_api: FakeDiscord, video_api: FakeVideoAPI
) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the data folder should be")
    env = bot_env(
        tmp_path, discord_api, video_api, DISCORD_TOKEN="wrong", VIDEO_API_KEY="wrong-key", DATA_DIR=str(blocked)
    )
    code, out = await cli(tmp_path, env, "doctor")
    assert code == 1
    assert "✗ Discord rejected DISCORD_TOKEN" in out and "Reset Token" in out
    assert "✗ the provider at" in out and "rejected VIDEO_API_KEY" in out
    assert "✓ database reachable and empty: the schema will be created on first start" in out
    assert "✗ data folder" in out and "not writable" in out

    env = bot_env(tmp_path, discord_api, video_api, VIDEO_API_BASE="http://127.0.0.1:9", MESSAGE_CONTENT_INTENT="true")
    code, out = await cli(tmp_path, env, "doctor")
    assert code == 1
    assert "✗ the provider is not reachable at http://127.0.0.1:9" in out
    assert "✗ MESSAGE_CONTENT_INTENT=true but the app does not have the Message Content intent" in out

    code, out = await cli(tmp_path, {}, "doctor")
    assert code == 1 and "✗ settings" in out and "DISCORD_TOKEN is not set" in out


@pytest.fixture
async def empty_postgres() -> AsyncIterator[tuple[str, str]]:
    """A new, empty PostgreSQL database (as an operator creates one), and a role that may not create tables in it."""
    import asyncpg

    url = postgres_url()
    name = f"doctor_fresh_{secrets.token_hex(4)}"
    admin = await asyncpg.connect(url)
    try:
        await admin.execute(f"CREATE DATABASE {name}")
        await admin.execute(f"CREATE ROLE {name}_reader LOGIN")
        base = url.rsplit("/", 1)[0]
        yield f"{base}/{name}", f"{base.replace('://postgres@', f'://{name}_reader@')}/{name}"
    finally:
        await admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        await admin.execute(f"DROP ROLE IF EXISTS {name}_reader")
        await admin.close()


async def test_doctor_passes_a_fresh_install_before_the_first_start(
    tmp_path: Path, discord_api: FakeDiscord, video_api: FakeVideoAPI
) -> None:
    """Proves doctor, run before the first start as the guide says, passes on a new SQLite file (issue 13)."""
    env = bot_env(tmp_path, discord_api, video_api)
    code, out = await cli(tmp_path, env, "doctor")
    assert code == 0, out
    assert "✗" not in out and "✓ database reachable and empty: the schema will be created on first start" in out


async def test_doctor_passes_a_fresh_postgres_database_and_fails_one_start_up_cannot_fill(
    tmp_path: Path, discord_api: FakeDiscord, video_api: FakeVideoAPI, empty_postgres: tuple[str, str]
) -> None:
    """Proves doctor passes an empty PostgreSQL database, and fails when the bot's role may not create tables."""
    owner_url, reader_url = empty_postgres
    code, out = await cli(tmp_path, bot_env(tmp_path, discord_api, video_api, DATABASE_URL=owner_url), "doctor")
    assert code == 0, out
    assert "✗" not in out and "✓ database reachable and empty: the schema will be created on first start" in out

    code, out = await cli(tmp_path, bot_env(tmp_path, discord_api, video_api, DATABASE_URL=reader_url), "doctor")
    assert code == 1, out
    assert "✗ database reachable, but its user may not create tables in schema public" in out
    assert "GRANT CREATE ON SCHEMA public" in out


async def test_doctor_fails_a_database_from_a_newer_reelbot(
    tmp_path: Path, discord_api: FakeDiscord, video_api: FakeVideoAPI
) -> None:
    """Proves doctor still fails a schema that start-up cannot fix: one newer than this code."""
    env = bot_env(tmp_path, discord_api, video_api)
    assert (await cli(tmp_path, env, "migrate"))[0] == 0
    with sqlite3.connect(tmp_path / "reelbot.sqlite3") as db:
        db.execute("INSERT INTO schema_version (version) VALUES (99)")
    code, out = await cli(tmp_path, env, "doctor")
    assert code == 1, out
    assert "✗ database schema version 99 is newer than this reelbot knows" in out


async def test_try_saves_a_playable_mp4_and_prints_the_cost(
    tmp_path: Path, discord_api: FakeDiscord, video_api: FakeVideoAPI
) -> None:
    env = bot_env(tmp_path, discord_api, video_api)
    out_file = tmp_path / "fox.mp4"
    code, out = await cli(tmp_path, env, "try", "a red fox in snow", "--out", str(out_file), "--yes")
    assert code == 0, out
    assert "spends about 0.1 credits" in out and "cost 0.1 credits" in out and "generating" in out
    data = out_file.read_bytes()
    assert data == TINY_MP4 and data[4:8] == b"ftyp"
    assert video_api.submits[0]["prompt"] == "a red fox in snow"

    code, out = await cli(tmp_path, env, "try", "another one")
    assert code == 2 and "add --yes" in out and len(video_api.submits) == 1  # no terminal, no --yes: nothing spent


async def test_try_makes_a_first_and_last_frame_video(
    tmp_path: Path, discord_api: FakeDiscord, video_api: FakeVideoAPI
) -> None:
    """`reelbot try --image A --last-image B --model cogvideox-3` sends both pictures, in order."""
    from tests.e2e.test_animate import decoded, png

    (tmp_path / "a.png").write_bytes(png(320, 240))
    (tmp_path / "b.png").write_bytes(png(400, 300))
    env = bot_env(tmp_path, discord_api, video_api)
    args = ("try", "day to night", "--image", "a.png", "--last-image", "b.png", "--model", "cogvideox-3", "--yes")
    code, out = await cli(tmp_path, env, *args, "--out", str(tmp_path / "x.mp4"))
    assert code == 0, out
    assert [decoded(u).size for u in video_api.submits[0]["image_url"]] == [(320, 240), (400, 300)]


async def test_sync_says_what_changed(tmp_path: Path, discord_api: FakeDiscord, video_api: FakeVideoAPI) -> None:
    env = bot_env(tmp_path, discord_api, video_api)
    code, out = await cli(tmp_path, env, "sync")
    assert code == 0, out
    assert "commands global: synced" in out and "+ video (added)" in out and "+ Animate image (added)" in out
    code, out = await cli(tmp_path, env, "sync")
    assert "already up to date" in out and "= video (unchanged)" in out
    discord_api.commands = [c for c in discord_api.commands if c["name"] != "animate"]
    discord_api.commands.append({"name": "old-command", "type": 1, "description": "gone", "id": "1"})
    discord_api.commands[0]["description"] = "an older description"
    code, out = await cli(tmp_path, env, "sync")
    assert "+ animate (added)" in out and "- old-command (removed)" in out and "(changed)" in out


async def test_migrate_prints_the_schema_version(
    tmp_path: Path, discord_api: FakeDiscord, video_api: FakeVideoAPI
) -> None:
    env = bot_env(tmp_path, discord_api, video_api)
    code, out = await cli(tmp_path, env, "migrate")
    assert code == 0 and "database schema version 3 (sqlite; migrated from version 0)" in out
    code, out = await cli(tmp_path, env, "migrate")
    assert "already up to date" in out


async def test_help_and_version_read_well(tmp_path: Path) -> None:
    code, out = await cli(tmp_path, {}, "--help")
    assert code == 0 and all(word in out for word in ("run", "doctor", "try", "sync", "migrate"))
    code, out = await cli(tmp_path, {}, "try", "--help")
    assert code == 0 and "spends credits" in out and "--yes" in out
    code, out = await cli(tmp_path, {}, "--version")
    assert out.startswith("reelbot 0.")


async def test_health_and_metrics_over_http(discord_api: FakeDiscord, video_api: FakeVideoAPI, make_bot) -> None:
    port = free_port()
    await make_bot(METRICS_PORT=str(port))
    inter = await discord_api.slash("video", prompt("metrics please"))
    await discord_api.wait_for(lambda: finished(discord_api, inter), what="the video")
    async with aiohttp.ClientSession() as session:

        async def healthy() -> dict[str, object] | None:
            async with session.get(f"http://127.0.0.1:{port}/healthz") as resp:
                body = await resp.json()
                return body if resp.status == 200 else None

        body = None
        for _ in range(50):
            body = await healthy()
            if body:
                break
            await asyncio.sleep(0.1)
        assert body == {"ok": True, "gateway": True, "store": True, "runner": True}
        metrics = ""
        for _ in range(50):  # the delivery is recorded a moment after the member sees it
            async with session.get(f"http://127.0.0.1:{port}/metrics") as resp:
                metrics = await resp.text()
            if 'reelbot_jobs{state="delivered"} 1.0' in metrics:
                break
            await asyncio.sleep(0.1)
    assert 'reelbot_jobs{state="delivered"} 1.0' in metrics
    assert f'reelbot_spend_credits_total{{guild="{discord_api.guild_id}"}} 0.1' in metrics
    assert "reelbot_polls_total" in metrics and "reelbot_delivery_lag_seconds_count 1.0" in metrics
    assert 'reelbot_provider_request_seconds_count{call="submit"} 1.0' in metrics
    assert "reelbot_discord_rate_limited_total 0.0" in metrics


async def test_json_logs_carry_the_job_guild_and_user(
    discord_api: FakeDiscord, video_api: FakeVideoAPI, make_bot
) -> None:
    bot = await make_bot(LOG_FORMAT="json")
    inter = await discord_api.slash("video", prompt("structured logs"))
    await discord_api.wait_for(lambda: finished(discord_api, inter), what="the video")
    await wait_until(lambda: "delivered (succeeded)" in bot.log(), what="the delivery line")
    lines = [json.loads(line) for line in bot.log().splitlines() if line.startswith("{")]
    assert lines and all({"time", "level", "logger", "message"} <= set(line) for line in lines)
    job_lines = [line for line in lines if "job_id" in line]
    assert any("queued" in line["message"] for line in job_lines)
    assert any("delivered" in line["message"] for line in job_lines)
    assert all(line["guild_id"] == discord_api.guild_id and line["user_id"] == inter.user_id for line in job_lines)


async def test_models_lists_the_catalogue_as_the_bot_sees_it_and_names_a_broken_line(tmp_path: Path) -> None:
    """`reelbot models` needs no tokens; an operator's entry shows up; a broken MODELS_FILE is named by line."""
    extra = tmp_path / "models.toml"
    extra.write_text('[models."cogvideox-3"]\nprice = "0.25"\n')
    env = {"VIDEO_API_BASE": "https://api.z.ai/api", "MODELS_FILE": str(extra)}
    code, out = await cli(tmp_path, env, "models")
    assert code == 0, out
    assert "9 models; VIDEO_API_BASE=https://api.z.ai/api serves 7" in out
    assert "cogvideox-2" in out and "(not served by this VIDEO_API_BASE)" in out
    assert "price: 0.25 credits" in out and "first+last frame: quality speed only" in out
    extra.write_text('[models."cogvideox-3"]\nfps = "sixty"\n')
    code, out = await cli(tmp_path, env, "models")
    assert code == 2
    assert f"MODELS_FILE={extra} line 2: models.cogvideox-3.fps must be a list of whole numbers" in out
