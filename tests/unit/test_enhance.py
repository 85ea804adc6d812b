"""✨ Enhance: rate-limited per member, bounded in time, and every failure falls back to the own prompt."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from bot.jobs.enhance import PromptEnhancer
from bot.provider.chat import ChatClient
from tests.standins.fake_video import FakeVideoAPI


@pytest.fixture
async def api() -> FakeVideoAPI:
    fake = FakeVideoAPI()
    await fake.start()
    yield fake  # type: ignore[misc]
    await fake.stop()


async def test_enhance_is_rate_limited_per_member_and_times_out(api: FakeVideoAPI) -> None:
    now = [1000.0]
    async with aiohttp.ClientSession() as session:
        chat = ChatClient(session, base_url=api.base, api_key=api.api_key, model="glm-4-flash", timeout_s=0.5)
        enhancer = PromptEnhancer(chat, per_hour=2, clock=lambda: now[0])
        first = await enhancer.enhance(1, "a fox")
        assert first.failure is None and first.prompt.startswith("A cinematic shot of a fox")
        slow = await enhancer.enhance(1, "a fox [chat-slow]")
        assert (slow.failure, slow.prompt) == ("timeout", "a fox [chat-slow]")
        limited = await enhancer.enhance(1, "a fox")
        assert (limited.failure, limited.prompt, limited.retry_at) == ("rate_limited", "a fox", 1000.0 + 3600)
        assert (await enhancer.enhance(2, "a cat")).failure is None  # another member has their own allowance
        now[0] += 3601
        assert (await enhancer.enhance(1, "a fox")).failure is None
        await asyncio.sleep(0)
    assert len(api.chats) == 4  # the limited call never reached the chat model


async def test_enhance_off_and_a_refusal_fall_back_to_the_own_prompt(api: FakeVideoAPI) -> None:
    assert (await PromptEnhancer(None, per_hour=5).enhance(1, "a fox")).failure == "off"
    async with aiohttp.ClientSession() as session:
        chat = ChatClient(session, base_url=api.base, api_key="wrong", model="glm-4-flash")
        result = await PromptEnhancer(chat, per_hour=5).enhance(1, "a fox")
    assert (result.failure, result.prompt) == ("failed", "a fox")
