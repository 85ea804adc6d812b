"""The naive baseline bot that reelbot is benchmarked against: ``python -m bench.naive``.

Deliberately the simple bot a hobbyist writes with discord.py: one ``/video`` command, one asyncio
task per job (discord.py runs each command in its own task) that defers, submits, polls every 2 s,
edits the reply on every poll, and uploads the mp4 it downloaded into memory. No database, no
budgets, no limits, no schedule. Errors: a failed submit is retried every 2 s (up to 10 times, with
the same request_id); a failed poll is skipped. aiohttp's default timeout (5 minutes) applies.

Settings (the same names reelbot reads): DISCORD_TOKEN, DISCORD_API_BASE, DISCORD_GATEWAY_URL,
VIDEO_API_BASE, VIDEO_API_KEY; NAIVE_POLL_SECONDS (default 2).
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import time
import uuid
from typing import Any

import aiohttp
import discord
import yarl
from discord import app_commands

API = os.environ.get("VIDEO_API_BASE", "https://api.302.ai/zhipu").rstrip("/")
POLL_S = float(os.environ.get("NAIVE_POLL_SECONDS", "2"))


class NaiveBot(discord.Client):
    def __init__(self) -> None:
        super().__init__(intents=discord.Intents.default())
        self.tree = app_commands.CommandTree(self)
        self.session: aiohttp.ClientSession | None = None

    async def setup_hook(self) -> None:
        self.session = aiohttp.ClientSession(headers={"Authorization": f"Bearer {os.environ['VIDEO_API_KEY']}"})

    async def close(self) -> None:
        if self.session is not None:
            await self.session.close()
        await super().close()


bot = NaiveBot()


async def call(method: str, url: str, **kwargs: Any) -> tuple[int, dict[str, Any]]:
    """One provider call; (0, {}) when the connection failed."""
    assert bot.session is not None
    try:
        async with bot.session.request(method, url, **kwargs) as resp:
            return resp.status, await resp.json(content_type=None)
    except (aiohttp.ClientError, ValueError, TimeoutError):
        return 0, {}


async def show(interaction: discord.Interaction, title: str, text: str = "", **kwargs: Any) -> None:
    with contextlib.suppress(discord.HTTPException):
        await interaction.edit_original_response(embed=discord.Embed(title=title, description=text), **kwargs)


@bot.tree.command(name="video", description="Make a short video from a text prompt")
async def video(interaction: discord.Interaction, prompt: str) -> None:
    await interaction.response.defer(thinking=True)
    body = {"model": "cogvideox-2", "prompt": prompt, "request_id": uuid.uuid4().hex}
    task_id = None
    for _ in range(10):
        status, data = await call("POST", f"{API}/api/paas/v4/videos/generations", json=body)
        if status == 200:
            task_id = data["id"]
            break
        await asyncio.sleep(POLL_S)
    if task_id is None:
        await show(interaction, "❌ Failed", "The video service did not accept the request.")
        return
    started = time.monotonic()
    while True:
        await asyncio.sleep(POLL_S)
        status, data = await call("GET", f"{API}/api/paas/v4/async-result/{task_id}")
        if status != 200:
            continue
        state = data.get("task_status")
        if state == "SUCCESS":
            url = data["video_result"][0]["url"]
            assert bot.session is not None
            async with bot.session.get(url) as resp:
                mp4 = await resp.read()
            await show(interaction, "✅ Done", prompt, attachments=[discord.File(io.BytesIO(mp4), "video.mp4")])
            return
        if state == "FAIL":
            await show(interaction, "❌ Failed", "The video could not be made.")
            return
        await show(interaction, "⏳ Generating…", f"{time.monotonic() - started:.0f} s")


def main() -> None:
    base = os.environ.get("DISCORD_API_BASE")
    if base:  # the same redirection reelbot does, so it can run against the stand-ins
        discord.http.Route.BASE = base
    gateway = os.environ.get("DISCORD_GATEWAY_URL")
    if gateway:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway)
    bot.run(os.environ["DISCORD_TOKEN"], log_handler=None)


if __name__ == "__main__":
    main()
