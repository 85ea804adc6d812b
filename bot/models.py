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
from typing import Any, NamedTuple

MICROS = 1_000_000


class Duration(NamedTuple):
    """How long the provider took for a finished job; ``exact=False``: found done at the first look, so
    known only to be at most ``seconds``."""

    seconds: float
    exact: bool = True


class JobState(StrEnum):
    """Where a job is in its life; see DESIGN.md "A job's life"."""

    AWAITING_APPROVAL = "awaiting_approval"  # approval mode: nothing reserved until a moderator approves
    QUEUED = "queued"  # price reserved, waiting for a provider slot
    SUBMITTING = "submitting"  # sent (or about to be): whether the provider took it is not known yet
    SUBMITTED = "submitted"  # the provider accepted it; task id stored
    PROCESSING = "processing"  # the provider said PROCESSING at least once
    SUCCEEDED = "succeeded"  # the provider has a video; not yet in the member's reply
    FAILED = "failed"  # ended without a video (reason in error_code)
    EXPIRED = "expired"  # passed its deadline while the provider was still working
    DELIVERED = "delivered"  # the video is in the member's reply


IN_FLIGHT = frozenset({JobState.SUBMITTED, JobState.PROCESSING})  # at the provider: polled
OUTCOMES = frozenset({JobState.SUCCEEDED, JobState.FAILED, JobState.EXPIRED})
AT_PROVIDER = frozenset({JobState.SUBMITTING, *IN_FLIGHT})  # holds one of the provider's slots
# A member's own hourly/daily limits count their jobs in these states with a reserved price: a generation
# that failed or expired does not count against the member (the server's budget may still keep its price).
COUNTS_FOR_LIMITS = frozenset({JobState.QUEUED, *AT_PROVIDER, JobState.SUCCEEDED, JobState.DELIVERED})
WORKING = frozenset({JobState.QUEUED, *AT_PROVIDER})  # counted by the "at once" limits


class ErrorCode(StrEnum):
    """Why a job ended without a video: stored in ``Job.error_code``, shown to members as ``failure.<code>``.

    One list for the lifecycle (which writes the codes) and the texts (which explain them); a test
    checks that every code written anywhere is here and that every code here has its sentence.
    """

    CONTENT_REJECTED = "content_rejected"  # the provider's content rules
    INVALID_REQUEST = "invalid_request"  # the provider refused the settings
    PROVIDER_ACCOUNT = "provider_account"  # the operator's key or account was refused
    GENERATION_FAILED = "generation_failed"  # the provider failed the task
    DEADLINE = "deadline"  # the provider took longer than the job's deadline
    QUEUE_TIMEOUT = "queue_timeout"  # never reached the provider in time
    UNKNOWN_SUBMISSION = "unknown_submission"  # the submit's outcome could not be confirmed
    REJECTED = "rejected"  # a moderator declined it
    APPROVAL_TIMEOUT = "approval_timeout"  # no moderator decided in time
    CANCELLED = "cancelled"  # the requester (or a moderator) cancelled it


class Charge(StrEnum):
    """What became of a job's reserved price."""

    NONE = "none"  # nothing reserved yet (awaiting approval, or rejected before approval)
    RESERVED = "reserved"  # counted against the budget; the provider may not have billed yet
    RELEASED = "released"  # given back: the provider never accepted the job


class Money(StrEnum):
    """What a lifecycle transition does to the job's price (see bot/jobs/lifecycle.py)."""

    RESERVE = "reserve"  # count the price against the budget (checks every cap, may refuse)
    KEEP = "keep"  # no movement
    RELEASE = "release"  # give the reserved price back (only ever once: the ledger says so)


@dataclass(frozen=True, slots=True)
class Lease:
    """A process's hold on a job: its worker id and the fencing token the claim gave it."""

    owner: str
    epoch: int


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a transition did: the row now (ours if applied, the winner's if not; None if gone)."""

    job: Job | None
    applied: bool


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
    limits_exempt: bool = False  # the member's roles skip member limits (decided when they asked)
    cancel_requested_at: float | None = None  # the member asked to cancel after it was sent
    lease_owner: str | None = None  # the worker (process) holding the job
    lease_epoch: int = 0  # bumped by every claim: the fencing token of the lease

    @property
    def lease(self) -> Lease | None:
        """Return the lease this copy of the job was read under (None if no process holds it)."""
        return Lease(self.lease_owner, self.lease_epoch) if self.lease_owner else None

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
    member_limit: int | None  # videos per member per hour; None: no limit
    member_used: int
    member_resets_at: float | None
    price: int  # the operator's default price (each server's own prices are in its GuildPolicy)
    month_cap: int | None = None
    month_spent: int = 0
    month_resets_at: float = 0.0
    member_daily_limit: int | None = None
    member_used_today: int = 0
    guild_uncapped: bool = False  # a moderator turned the daily cap off

    @property
    def guild_left(self) -> int:
        """Return the credits left today, never below zero."""
        return max(0, self.guild_cap - self.guild_spent)

    @property
    def member_left(self) -> int | None:
        """Return the generations left this hour, never below zero (None: no hourly limit)."""
        return None if self.member_limit is None else max(0, self.member_limit - self.member_used)


@dataclass(frozen=True)
class BlockedWord:
    """A word (matched as a whole word, any case) or a regular expression."""

    pattern: str
    is_regex: bool = False


@dataclass(frozen=True)
class GuildPolicy:
    """Everything a moderator sets for one server."""

    daily_budget: int | None = None  # micro-credits per budget day; None: the operator's GUILD_DAILY_BUDGET
    daily_uncapped: bool = False  # True: no daily cap at all (daily_budget is then ignored)
    monthly_budget: int | None = None  # micro-credits per budget month; None: no monthly cap
    topup_day: str | None = None  # a one-off top-up applies to this budget day only
    topup_amount: int = 0
    prices: dict[str, int] = field(default_factory=dict)  # model -> micro-credits
    member_hourly: int | None = None  # None: the operator's USER_HOURLY_LIMIT; 0: no hourly limit
    member_daily: int | None = None
    member_in_flight: int | None = None
    server_in_flight: int | None = None
    member_pending: int | None = None  # requests a member may have awaiting approval; None: the default (3)
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
    timezone: str = "UTC"  # where the server's budget day starts: an IANA zone or a UTC offset ("+08:00")
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
