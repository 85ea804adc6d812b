"""Admission: policy and limits checked, price reserved and job persisted as QUEUED, in one go."""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from bot.errors import BudgetExhausted, MemberLimitReached
from bot.logs import job_context
from bot.models import Delivery, Job, Quota, VideoOptions
from bot.moderation.prompts import clean_prompt
from bot.provider.options import validate_options
from bot.spending.budget import SpendingPolicy
from bot.store.base import Store

log = logging.getLogger(__name__)

_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"


def new_job_id() -> str:
    """Return a short, unguessable, button-friendly job id (10 base-36 characters)."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(10))


@dataclass(frozen=True, slots=True)
class JobRequest:
    """Everything a member asked for, with where to answer."""

    user_id: int
    kind: str  # "text" or "image"
    prompt: str
    options: VideoOptions
    delivery: Delivery
    image: str | None = None  # normalised data URI, for image jobs


class JobService:
    """Turns requests into reserved, persisted jobs; the runner takes it from there."""

    def __init__(
        self,
        store: Store,
        policy: SpendingPolicy,
        *,
        deadline_s: float,
        wake: Callable[[], None] = lambda: None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._store = store
        self._policy = policy
        self._deadline_s = deadline_s
        self._wake = wake
        self._clock = clock

    async def precheck(self, guild_id: int, user_id: int) -> Quota:
        """Refuse early, before any slow work, when a limit is already reached.

        Raises:
            BudgetExhausted: the server's budget cannot cover one more generation today.
            MemberLimitReached: the member has used this hour's generations.
        """
        quota = await self._policy.quota(self._store, guild_id, user_id, self._clock())
        if quota.guild_spent + quota.price > quota.guild_cap:
            raise BudgetExhausted(
                cap=quota.guild_cap, spent=quota.guild_spent, price=quota.price, resets_at=quota.guild_resets_at
            )
        if quota.member_left <= 0:
            raise MemberLimitReached(
                limit=quota.member_limit,
                used=quota.member_used,
                resets_at=quota.member_resets_at or self._clock() + 3600,
            )
        return quota

    async def request(self, req: JobRequest) -> Job:
        """Validate, reserve the price and persist the job as QUEUED, then wake the runner.

        Raises:
            InvalidPrompt, InvalidOptions: the request is malformed (nothing reserved).
            BudgetExhausted, MemberLimitReached: a limit applies (nothing reserved).
        """
        prompt = clean_prompt(req.prompt, required=req.image is None)
        options = validate_options(req.options)
        now = self._clock()
        job = Job(
            id=new_job_id(),
            user_id=req.user_id,
            kind=req.kind,
            prompt=prompt,
            options=options,
            delivery=req.delivery,
            price=self._policy.price,
            created_at=now,
            deadline_at=now + self._deadline_s,
        )
        admission = await self._policy.admission(self._store, job.guild_id, now)
        job = await self._store.admit(job, admission=admission, image=req.image)
        with job_context(job.id, job.guild_id, job.user_id):
            log.info("job %s queued (%s, %s)", job.id, job.kind, options.summary())
        self._wake()
        return job

    async def quota(self, guild_id: int, user_id: int) -> Quota:
        """Return what is left for the member and their server."""
        return await self._policy.quota(self._store, guild_id, user_id, self._clock())

    async def set_daily_budget(self, guild_id: int, micros: int | None, *, by: int) -> int:
        """Set the server's daily budget (None: back to the default); return the budget now in force."""
        await self._store.set_daily_budget(guild_id, micros, by=by, at=self._clock())
        log.info("guild %s daily budget set to %s by %s", guild_id, micros, by)
        return await self._policy.daily_cap(self._store, guild_id)
