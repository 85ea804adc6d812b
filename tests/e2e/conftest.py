from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.e2e.harness import BotProcess, bot_env
from tests.standins.fake_discord import FakeDiscord
from tests.standins.fake_video import FakeVideoAPI


@pytest.fixture
async def discord_api() -> AsyncIterator[FakeDiscord]:
    api = FakeDiscord()
    await api.start()
    yield api
    await api.stop()
    # Every body the bot sent must be one real Discord accepts (its published OpenAPI spec; bots get 2,000
    # characters of content). The stand-in already answered each bad one 400 / 50035; the test fails here.
    assert api.invalid_bodies == [], "bodies Discord would reject with 50035:\n" + "\n".join(api.invalid_bodies)


@pytest.fixture
async def video_api() -> AsyncIterator[FakeVideoAPI]:
    api = FakeVideoAPI()
    await api.start()
    yield api
    await api.stop()


@pytest.fixture
async def make_bot(tmp_path: Path, discord_api: FakeDiscord, video_api: FakeVideoAPI) -> AsyncIterator[object]:
    started: list[BotProcess] = []

    async def start(**extra: str) -> BotProcess:
        bot = BotProcess(tmp_path, bot_env(tmp_path, discord_api, video_api, **extra))
        started.append(bot)
        await bot.start(discord_api)
        return bot

    yield start
    for bot in started:
        await bot.stop()
