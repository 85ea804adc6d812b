from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

import pytest

from bot.config import Settings, load_settings
from bot.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]
BASE = {"DISCORD_TOKEN": "a-token", "VIDEO_API_KEY": "a-key"}


def test_defaults_match_the_documented_ones() -> None:
    s = load_settings(BASE)
    assert s.discord_api_base == "https://discord.com/api/v10"
    assert s.video_api_base == "https://api.302.ai/zhipu"
    assert s.video_model == "cogvideox-2"
    assert s.database_url == "sqlite:///data/reelbot.sqlite3"
    assert s.price_per_video == 100_000 and s.guild_daily_budget == 1_000_000
    assert s.user_hourly_limit == 3 and s.provider_max_in_flight == 5
    assert s.message_content_intent is False and s.dev_guild_id is None


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"VIDEO_API_KEY": "k"}, "DISCORD_TOKEN is not set"),
        ({"DISCORD_TOKEN": "t"}, "VIDEO_API_KEY is not set"),
        ({**BASE, "PRICE_PER_VIDEO": "-1"}, "PRICE_PER_VIDEO='-1' is not an amount"),
        ({**BASE, "USER_HOURLY_LIMIT": "three"}, "USER_HOURLY_LIMIT='three' is not a whole number"),
        ({**BASE, "PROVIDER_MAX_IN_FLIGHT": "0"}, "PROVIDER_MAX_IN_FLIGHT=0 is too small"),
        ({**BASE, "VIDEO_MODEL": "sora"}, "VIDEO_MODEL='sora' is unknown"),
        ({**BASE, "VIDEO_API_BASE": "api.302.ai"}, "VIDEO_API_BASE='api.302.ai' is not a URL"),
        ({**BASE, "MESSAGE_CONTENT_INTENT": "maybe"}, "MESSAGE_CONTENT_INTENT='maybe' is not true or false"),
        ({**BASE, "DATABASE_URL": "mysql://x"}, "DATABASE_URL must look like sqlite:///"),
    ],
)
def test_each_bad_setting_is_named_with_a_fix(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_settings(env)


def test_real_environment_wins_over_dotenv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("DISCORD_TOKEN=from-file\nVIDEO_API_KEY=file-key\nUSER_HOURLY_LIMIT=7\n")
    monkeypatch.setenv("DISCORD_TOKEN", "from-env")
    monkeypatch.delenv("USER_HOURLY_LIMIT", raising=False)
    s = load_settings(env_file=str(env_file))
    assert s.discord_token == "from-env" and s.user_hourly_limit == 7


def test_secrets_are_not_in_repr() -> None:
    s = load_settings(BASE)
    assert "a-token" not in repr(s) and "a-key" not in repr(s)


def env_example_names() -> set[str]:
    return set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.M))


def test_every_setting_is_in_env_example_and_back() -> None:
    names = {f.name.upper() for f in fields(Settings)}
    assert env_example_names() == names
