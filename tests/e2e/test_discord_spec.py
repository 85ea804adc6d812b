"""The Discord stand-in judges every request body by Discord's published OpenAPI spec, as Discord does."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from tests.standins.discord_spec import problems
from tests.standins.fake_discord import FakeDiscord


async def _post(api: FakeDiscord, path: str, body: Any) -> tuple[int, dict[str, Any]]:
    headers = {"Authorization": f"Bot {api.bot_token}"}
    async with aiohttp.ClientSession() as http, http.post(f"{api.api_base}{path}", json=body, headers=headers) as r:
        return r.status, await r.json()


async def test_a_message_over_a_bots_2000_characters_is_refused_50035(discord_api: FakeDiscord) -> None:
    """Bots get 2,000 characters even though the spec (written for Nitro) allows 4,000."""
    path = f"/channels/{discord_api.channel_id}/messages"
    status, body = await _post(discord_api, path, {"content": "x" * 2001})
    assert (status, body["code"]) == (400, 50035)
    assert "content" in discord_api.invalid_bodies[0] and "maxLength: 2000" in discord_api.invalid_bodies[0]
    discord_api.invalid_bodies.clear()  # this test sent it on purpose; the fixture fails any other test that does

    status, body = await _post(discord_api, path, {"content": "x" * 2000})
    assert status == 200 and body["content"] == "x" * 2000


@pytest.mark.parametrize(
    ("method", "path", "body", "where"),
    [
        ("POST", "/interactions/1/t/callback", {"type": 4, "data": {"content": "y" * 2001}}, "data/content"),
        (
            "POST",
            "/channels/1/messages",
            {"components": [{"type": 1, "components": [{"type": 2, "style": 1, "label": "x" * 81, "custom_id": "a"}]}]},
            "components/0/components/0/label",
        ),
        ("PATCH", "/webhooks/1/t/messages/@original", {"embeds": [{"title": "t" * 257}]}, "embeds/0/title"),
        (
            "POST",
            "/interactions/1/t/callback",
            {"type": 9, "data": {"title": "x" * 46, "custom_id": "m", "components": []}},
            "data/title",
        ),
        ("PUT", "/applications/1/commands", [{"name": "v" * 33, "description": "d", "type": 1}], "0/name"),
    ],
)
def test_the_spec_names_what_discord_would_reject(method: str, path: str, body: Any, where: str) -> None:
    """Content, button labels, embed titles, modal titles and command names are held to Discord's limits."""
    found = problems(method, path, body)
    assert len(found) == 1 and f": {where} = " in found[0], found


def test_what_discordpy_sends_passes() -> None:
    """Integer snowflakes (allowed_mentions, new attachments' index ids) are fine, as they are with Discord."""
    edit = {
        "content": "<@1> ready",
        "allowed_mentions": {"parse": [], "users": [1234567890123], "replied_user": False},
        "attachments": [{"id": 0, "filename": "video.mp4"}],
    }
    assert problems("PATCH", "/channels/1/messages/2", edit) == []
    assert problems("POST", "/interactions/1/t/callback", {"type": 5}) == []
