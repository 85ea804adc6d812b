"""Plain data shared by every layer. Imports nothing of ours.

Money is an ``int`` of micro-credits (1 credit = 1,000,000), so sums are exact; times are UTC epoch
seconds as ``float``; Discord ids are ``int`` snowflakes.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

MICROS = 1_000_000


class JobState(StrEnum):
    """Where a job is in its life; see DESIGN.md "A job's life"."""

    AWAITING_APPROVAL = "awaiting_approval"  # approval mode: nothing reserved until a moderator approves
    QUEUED = "queued"  # price reserved, waiting for a provider slot
    SUBMITTED = "submitted"  # the provider accepted it; task id stored
    PROCESSING = "processing"  # the provider said PROCESSING at least once
    SUCCEEDED = "succeeded"  # the provider has a video; not yet in the member's reply
    FAILED = "failed"  # ended without a video (reason in error_code)
    EXPIRED = "expired"  # passed its deadline while the provider was still working
    DELIVERED = "delivered"  # the video is in the member's reply


IN_FLIGHT = frozenset({JobState.SUBMITTED, JobState.PROCESSING})
OUTCOMES = frozenset({JobState.SUCCEEDED, JobState.FAILED, JobState.EXPIRED})


class Charge(StrEnum):
    """What became of a job's reserved price."""

    NONE = "none"  # nothing reserved yet (awaiting approval, or rejected before approval)
    RESERVED = "reserved"  # counted against the budget; the provider may not have billed yet
    RELEASED = "released"  # given back: the provider never accepted the job


@dataclass(frozen=True, slots=True)
class VideoOptions:
    """What the member asked the provider for; ``None`` means the provider's default."""

    model: str
    size: str | None = None
    duration: int | None = None
    fps: int | None = None
    quality: str | None = None
    with_audio: bool = False
    style: str | None = None  # the Vidu options (see bot/provider/catalogue.toml)
    aspect_ratio: str | None = None
    movement_amplitude: str | None = None
    continues: str | None = None  # Extend: the link of the clip this one continues (never sent to the provider)

    def extras(self) -> dict[str, str]:
        """Return the Vidu options that were chosen."""
        chosen = {"style": self.style, "aspect_ratio": self.aspect_ratio, "movement_amplitude": self.movement_amplitude}
        return {k: v for k, v in chosen.items() if v is not None}

    def chosen(self) -> dict[str, object]:
        """Return every option that was chosen (name -> value); with_audio only when on."""
        core = {"size": self.size, "duration": self.duration, "fps": self.fps, "quality": self.quality}
        values: dict[str, object] = {k: v for k, v in core.items() if v is not None}
        if self.with_audio:
            values["with_audio"] = True
        return values | self.extras()

    def schedule_key(self) -> str:
        """Name the group of jobs whose durations predict each other."""
        key = "|".join(str(v) for v in (self.model, self.size, self.duration, self.fps, self.quality, self.with_audio))
        extras = self.extras()
        return key + "".join(f"|{k}={v}" for k, v in sorted(extras.items()))

    def summary(self) -> str:
        """Describe the options in a short line, defaults left out."""
        parts = [self.model]
        if self.size:
            parts.append(self.size)
        if self.duration:
            parts.append(f"{self.duration}s")
        if self.fps:
            parts.append(f"{self.fps} fps")
        if self.quality:
            parts.append(self.quality)
        if self.with_audio:
            parts.append("audio")
        parts.extend(self.extras().values())
        return " · ".join(parts)


@dataclass(frozen=True, slots=True)
class Delivery:
    """Where the member's live reply is, and how to reach it from any process."""

    guild_id: int
    channel_id: int
    message_id: int
    application_id: int
    interaction_token: str | None = None  # None for mention replies, or once the token is spent
    token_expires_at: float = 0.0
    upload_limit: int = 10 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Job:
    """One generation request, persisted before anything is sent to the provider."""

    id: str
    user_id: int
    kind: str  # "text" or "image"
    prompt: str
    options: VideoOptions
    delivery: Delivery
    price: int
    created_at: float
    state: JobState = JobState.QUEUED
    charge: Charge = Charge.RESERVED
    task_id: str | None = None
    submit_attempts: int = 0
    submitted_at: float | None = None
    finished_at: float | None = None
    delivered_at: float | None = None
    next_poll_at: float | None = None
    polls: int = 0
    deadline_at: float = 0.0
    video_url: str | None = None
    cover_url: str | None = None
    error_code: str | None = None
    error_detail: str | None = None
    locale: str = "en"  # the requester's language
    parent_id: str | None = None  # the job a re-roll or retry came from

    @property
    def request_id(self) -> str:
        """Return the id the provider sees, unique per job, so a resubmission is recognised."""
        return f"reelbot-{self.id}"

    @property
    def guild_id(self) -> int:
        """Return the server this job is charged to."""
        return self.delivery.guild_id

    def with_changes(self, **changes: object) -> Job:
        """Return a copy with the given fields replaced."""
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class Quota:
    """What is left for a member and their server, and when each resets."""

    guild_cap: int
    guild_spent: int
    guild_resets_at: float
    member_limit: int
    member_used: int
    member_resets_at: float | None
    price: int
    month_cap: int | None = None
    month_spent: int = 0
    month_resets_at: float = 0.0
    member_daily_limit: int | None = None
    member_used_today: int = 0

    @property
    def guild_left(self) -> int:
        """Return the credits left today, never below zero."""
        return max(0, self.guild_cap - self.guild_spent)

    @property
    def member_left(self) -> int:
        """Return the generations left this hour, never below zero."""
        return max(0, self.member_limit - self.member_used)


@dataclass(frozen=True)
class BlockedWord:
    """A word (matched as a whole word, any case) or a regular expression."""

    pattern: str
    is_regex: bool = False


@dataclass(frozen=True)
class GuildPolicy:
    """Everything a moderator sets for one server."""

    daily_budget: int | None = None  # micro-credits per UTC day; None: the operator's GUILD_DAILY_BUDGET
    monthly_budget: int | None = None  # micro-credits per UTC month; None: no monthly cap
    topup_day: str | None = None  # a one-off top-up applies to this UTC day only
    topup_amount: int = 0
    prices: dict[str, int] = field(default_factory=dict)  # model -> micro-credits
    member_hourly: int | None = None  # None: the operator's USER_HOURLY_LIMIT
    member_daily: int | None = None
    member_in_flight: int | None = None
    server_in_flight: int | None = None
    exempt_roles: tuple[int, ...] = ()  # skip member limits
    allowed_roles: tuple[int, ...] = ()  # empty: everyone may generate
    trusted_roles: tuple[int, ...] = ()  # skip approval
    allowed_channels: tuple[int, ...] = ()  # empty: every channel
    animate_nsfw_only: bool = False
    blocked: dict[int, str] = field(default_factory=dict)  # member -> reason shown to them
    blocklist: tuple[BlockedWord, ...] = ()
    approval: bool = False
    approval_expire_h: float = 24.0
    log_channel: int | None = None
    locale: str = "en"  # the server's language, for logs and moderator messages
    models: tuple[str, ...] = ()  # the models members may use; empty: every model the provider offers
    default_model: str | None = None  # None: the operator's VIDEO_MODEL
    forbidden: tuple[str, ...] = ()  # expensive options nobody may ask for here (names from the catalogue)

    def replace(self, **changes: Any) -> GuildPolicy:
        """Return a copy with ``changes``."""
        return dataclasses.replace(self, **changes)

    def to_json(self) -> str:
        """Serialise for the store."""
        data = dataclasses.asdict(self)
        data["blocked"] = {str(k): v for k, v in self.blocked.items()}
        return json.dumps(data, sort_keys=True)

    @classmethod
    def from_json(cls, text: str | None) -> GuildPolicy:
        """Load from the store (unknown keys from newer versions are ignored)."""
        if not text:
            return cls()
        data = json.loads(text)
        known = {f.name for f in dataclasses.fields(cls)}
        data = {k: v for k, v in data.items() if k in known}
        for key in ("exempt_roles", "allowed_roles", "trusted_roles", "allowed_channels"):
            if key in data:
                data[key] = tuple(int(v) for v in data[key])
        for key in ("models", "forbidden"):
            if key in data:
                data[key] = tuple(str(v) for v in data[key])
        if "blocked" in data:
            data["blocked"] = {int(k): str(v) for k, v in data["blocked"].items()}
        if "blocklist" in data:
            data["blocklist"] = tuple(BlockedWord(**w) for w in data["blocklist"])
        return cls(**data)


def credits_to_micros(value: str | Decimal | float) -> int:
    """Convert a credit amount to exact micro-credits; raise ValueError for junk or negatives."""
    amount = Decimal(str(value).strip())
    if not amount.is_finite() or amount < 0:
        raise ValueError(f"not a non-negative amount: {value!r}")
    return int((amount * MICROS).to_integral_value())


def format_credits(micros: int) -> str:
    """Show micro-credits as a short decimal: 1500000 -> '1.5', 100000 -> '0.1'."""
    text = f"{Decimal(micros) / MICROS:.6f}".rstrip("0").rstrip(".")
    return text or "0"
