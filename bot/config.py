"""Settings from the environment and ``.env`` (the real environment wins).

Every problem is named at start-up in one line that says how to fix it, never a traceback.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from dotenv import dotenv_values

from bot.errors import ConfigError
from bot.models import credits_to_micros
from bot.provider.catalogue import Catalogue, CatalogueError, active, load, use

DEFAULT_DISCORD_API_BASE = "https://discord.com/api/v10"
DEFAULT_VIDEO_API_BASE = "https://api.302.ai/zhipu"


@dataclass(frozen=True)
class Settings:
    """Everything an operator can set; see .env.example for what each one means."""

    discord_token: str = field(repr=False)
    video_api_key: str = field(repr=False)
    discord_api_base: str = DEFAULT_DISCORD_API_BASE
    discord_gateway_url: str | None = None
    video_api_base: str = DEFAULT_VIDEO_API_BASE
    video_model: str = "cogvideox-2"
    database_url: str = "sqlite:///data/reelbot.sqlite3"
    data_dir: Path = Path("data")
    input_retention_days: int = 30  # members' pictures, kept for Re-roll; 0: until the member's forget-me
    price_per_video: int = 100_000
    guild_daily_budget: int = 1_000_000
    user_hourly_limit: int = 3
    provider_max_in_flight: int = 5
    message_content_intent: bool = False
    dev_guild_id: int | None = None
    job_deadline_seconds: float = 1200.0
    poll_min_interval: float = 2.0
    poll_max_interval: float = 30.0
    progress_edit_interval: float = 30.0
    interaction_token_ttl: float = 840.0
    lease_seconds: float = 30.0
    late_grace_seconds: float = 1800.0
    failed_generations_charged: bool = True
    shard_count: int | None = None
    shard_ids: tuple[int, ...] | None = None
    models_file: Path | None = None
    video_watermark: bool | None = None  # None: the provider's default (on)
    enhance: bool = True  # ✨ Enhance (the chat model rewrites prompts); false turns it off
    chat_api_base: str = DEFAULT_VIDEO_API_BASE  # where the chat model is served (default: VIDEO_API_BASE)
    enhance_per_hour: int = 5
    enhance_timeout_seconds: float = 20.0

    @property
    def catalogue(self) -> Catalogue:
        """Return the model catalogue in use (load_settings installs the shipped one plus MODELS_FILE)."""
        return active()

    @property
    def syncs_commands(self) -> bool:
        """Return True for the one process that syncs commands: the one running shard 0."""
        return self.shard_ids is None or 0 in self.shard_ids

    @property
    def instance(self) -> str:
        """Name this process among several sharing one database (stable across restarts)."""
        return "shards-" + "-".join(map(str, self.shard_ids)) if self.shard_ids is not None else "main"

    log_level: str = "INFO"
    log_format: str = "text"
    metrics_port: int | None = None
    metrics_host: str = "127.0.0.1"

    def secrets(self) -> tuple[str, ...]:
        """Return the values that must never reach a log or a message."""
        return (self.discord_token, self.video_api_key)


_REQUIRED_HELP = {
    "DISCORD_TOKEN": "the bot token from https://discord.com/developers/applications → your app → Bot → Reset Token",
    "VIDEO_API_KEY": "an API key from https://302.ai (dashboard → API keys) or from Zhipu's "
    "https://open.bigmodel.cn (then also set VIDEO_API_BASE=https://open.bigmodel.cn)",
}


class _Reader:
    def __init__(self, env: Mapping[str, str]) -> None:
        self.env = env

    def raw(self, name: str) -> str | None:
        value = self.env.get(name)
        if value is None or not value.strip():
            return None
        return value.strip()

    def required(self, name: str) -> str:
        value = self.raw(name)
        if value is None:
            raise ConfigError(
                f"{name} is not set. Put it in .env (copy .env.example) or the environment: {_REQUIRED_HELP[name]}."
            )
        return value

    def url(self, name: str, default: str) -> str:
        value = self.raw(name) or default
        if not value.startswith(("http://", "https://", "ws://", "wss://")):
            raise ConfigError(f"{name}={value!r} is not a URL; it must start with http:// or https://.")
        return value.rstrip("/")

    def integer(self, name: str, default: int, *, minimum: int = 0) -> int:
        value = self.raw(name)
        if value is None:
            return default
        try:
            number = int(value)
        except ValueError:
            raise ConfigError(f"{name}={value!r} is not a whole number (e.g. {name}={default}).") from None
        if number < minimum:
            raise ConfigError(f"{name}={number} is too small; use {minimum} or more.")
        return number

    def seconds(self, name: str, default: float) -> float:
        value = self.raw(name)
        if value is None:
            return default
        try:
            number = float(value)
        except ValueError:
            raise ConfigError(f"{name}={value!r} is not a number of seconds (e.g. {default}).") from None
        if not number > 0:
            raise ConfigError(f"{name} must be more than 0 seconds.")
        return number

    def credits(self, name: str, default: str) -> int:
        value = self.raw(name) or default
        try:
            return credits_to_micros(value)
        except (ValueError, ArithmeticError):
            raise ConfigError(f"{name}={value!r} is not an amount of credits (e.g. {name}={default}).") from None

    def flag(self, name: str, default: bool = False) -> bool:
        value = (self.raw(name) or ("true" if default else "false")).lower()
        if value in {"1", "true", "yes", "on"}:
            return True
        if value in {"0", "false", "no", "off"}:
            return False
        raise ConfigError(f"{name}={value!r} is not true or false.")


def load_settings(env: Mapping[str, str] | None = None, *, env_file: str | None = ".env") -> Settings:
    """Build the settings from ``env`` (default: the process environment over ``.env``).

    Raises:
        ConfigError: a setting is missing or malformed; the message says which and how to fix it.
    """
    if env is None:
        env = env_with_dotenv(env_file)
    r = _Reader(env)
    models_file = Path(raw) if (raw := r.raw("MODELS_FILE")) else None
    catalogue = load_catalogue(models_file)
    model = r.raw("VIDEO_MODEL") or "cogvideox-2"
    if catalogue.get(model) is None:
        raise ConfigError(f"VIDEO_MODEL={model!r} is unknown; use one of: {', '.join(catalogue.models)}.")
    use(catalogue)  # every layer reads the same catalogue from now on
    database_url = r.raw("DATABASE_URL") or "sqlite:///data/reelbot.sqlite3"
    if not database_url.startswith(("sqlite:///", "postgresql://", "postgres://")):
        raise ConfigError(
            "DATABASE_URL must look like sqlite:///data/reelbot.sqlite3 or postgresql://user@host/db "
            f"(got {database_url.split(':')[0]}:…)."
        )
    dev_guild = r.integer("DEV_GUILD_ID", 0)
    shard_count = r.integer("SHARD_COUNT", 0) or None
    log_format = (r.raw("LOG_FORMAT") or "text").lower()
    if log_format not in {"text", "json"}:
        raise ConfigError(f"LOG_FORMAT={log_format!r} is not text or json.")
    shard_ids = _shard_ids(r.raw("SHARD_IDS"), shard_count)
    level = (r.raw("LOG_LEVEL") or "INFO").upper()
    if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
        raise ConfigError(f"LOG_LEVEL={level!r} is not one of DEBUG, INFO, WARNING, ERROR.")
    return Settings(
        discord_token=r.required("DISCORD_TOKEN"),
        video_api_key=r.required("VIDEO_API_KEY"),
        discord_api_base=r.url("DISCORD_API_BASE", DEFAULT_DISCORD_API_BASE),
        discord_gateway_url=r.url("DISCORD_GATEWAY_URL", "ws://unset") if r.raw("DISCORD_GATEWAY_URL") else None,
        video_api_base=r.url("VIDEO_API_BASE", DEFAULT_VIDEO_API_BASE),
        video_model=model,
        database_url=database_url,
        data_dir=Path(r.raw("DATA_DIR") or "data"),
        input_retention_days=r.integer("INPUT_RETENTION_DAYS", 30),
        price_per_video=r.credits("PRICE_PER_VIDEO", "0.1"),
        guild_daily_budget=r.credits("GUILD_DAILY_BUDGET", "1.0"),
        user_hourly_limit=r.integer("USER_HOURLY_LIMIT", 3),
        provider_max_in_flight=r.integer("PROVIDER_MAX_IN_FLIGHT", 5, minimum=1),
        message_content_intent=r.flag("MESSAGE_CONTENT_INTENT"),
        dev_guild_id=dev_guild or None,
        job_deadline_seconds=r.seconds("JOB_DEADLINE_SECONDS", 1200.0),
        poll_min_interval=r.seconds("POLL_MIN_INTERVAL", 2.0),
        poll_max_interval=r.seconds("POLL_MAX_INTERVAL", 30.0),
        progress_edit_interval=r.seconds("PROGRESS_EDIT_INTERVAL", 30.0),
        interaction_token_ttl=r.seconds("INTERACTION_TOKEN_TTL", 840.0),
        lease_seconds=r.seconds("LEASE_SECONDS", 30.0),
        late_grace_seconds=r.seconds("LATE_GRACE_SECONDS", 1800.0),
        failed_generations_charged=r.flag("FAILED_GENERATIONS_CHARGED", True),
        shard_count=shard_count,
        shard_ids=shard_ids,
        log_level=level,
        log_format=log_format,
        metrics_port=r.integer("METRICS_PORT", 0) or None,
        metrics_host=r.raw("METRICS_HOST") or "127.0.0.1",
        models_file=models_file,
        video_watermark=r.flag("VIDEO_WATERMARK") if r.raw("VIDEO_WATERMARK") else None,
        enhance=r.flag("ENHANCE") if r.raw("ENHANCE") else True,
        chat_api_base=r.url("CHAT_API_BASE", r.url("VIDEO_API_BASE", DEFAULT_VIDEO_API_BASE)),
        enhance_per_hour=r.integer("ENHANCE_PER_HOUR", 5, minimum=1),
        enhance_timeout_seconds=r.seconds("ENHANCE_TIMEOUT_SECONDS", 20.0),
    )


def env_with_dotenv(env_file: str | None = ".env") -> dict[str, str]:
    """Return ``.env`` with the process environment over it."""
    merged: dict[str, str] = {}
    if env_file and Path(env_file).is_file():
        merged.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    merged.update(os.environ)
    return merged


def load_catalogue(models_file: Path | None) -> Catalogue:
    """Load the shipped model catalogue and the operator's MODELS_FILE over it.

    Raises:
        ConfigError: one line per problem, each naming the file, the line and what to write there.
    """
    try:
        return load(models_file)
    except CatalogueError as exc:
        raise ConfigError("the model catalogue has problems:\n  " + "\n  ".join(exc.problems)) from None


def _shard_ids(raw: str | None, count: int | None) -> tuple[int, ...] | None:
    """Parse SHARD_IDS: "0-3", "4,5,6" or a mix; needs SHARD_COUNT and ids below it."""
    if raw is None:
        return None
    if count is None:
        raise ConfigError("SHARD_IDS needs SHARD_COUNT (the total number of shards across all processes).")
    ids: set[int] = set()
    try:
        for part in raw.replace(" ", "").split(","):
            low, _, high = part.partition("-")
            ids.update(range(int(low), int(high or low) + 1))
    except ValueError:
        raise ConfigError(f"SHARD_IDS={raw!r} is not a list of shard numbers (e.g. SHARD_IDS=0-3 or 0,2).") from None
    if not ids or min(ids) < 0 or max(ids) >= count:
        raise ConfigError(f"SHARD_IDS={raw!r} must name shards from 0 to {count - 1} (SHARD_COUNT={count}).")
    return tuple(sorted(ids))
