"""Admission: the server's rules and limits checked, price reserved and job persisted, in one go.

In approval mode a request from a member without a trusted role waits (nothing reserved) until a
moderator approves it; only then does the money move.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.errors import BudgetExhausted, MemberLimitReached
from bot.jobs.notify import ModLog, NoModLog
from bot.logs import job_context
from bot.models import Delivery, GuildPolicy, Job, JobState, Quota, VideoOptions
from bot.moderation.policy import RequestContext, check, exempt_from_member_limits, needs_approval
from bot.moderation.prompts import clean_prompt
from bot.provider.options import unpack_images, validate_options
from bot.spending.budget import SpendingPolicy, crossed, utc_day, utc_month
from bot.store.base import Store

log = logging.getLogger(__name__)

_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"
POLICY_TTL_S = 5.0  # another process's rule changes reach this one within this time


def new_job_id() -> str:
    """Return a short, unguessable, button-friendly job id (10 base-36 characters)."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(10))


@dataclass(frozen=True, slots=True)
class JobRequest:
    """Everything a member asked for, who they are, and where to answer."""

    user_id: int
    kind: str  # "text" or "image"
    prompt: str
    options: VideoOptions
    delivery: Delivery
    image: str | None = None  # normalised data URI, for image jobs
    locale: str = "en"
    role_ids: frozenset[int] = field(default_factory=frozenset)
    channel_nsfw: bool = False
    is_moderator: bool = False
    parent_id: str | None = None

    def context(self, prompt: str) -> RequestContext:
        """Describe the request for the moderation checks."""
        return RequestContext(
            user_id=self.user_id,
            role_ids=self.role_ids,
            channel_id=self.delivery.channel_id,
            channel_nsfw=self.channel_nsfw,
            kind=self.kind,
            prompt=prompt,
            is_moderator=self.is_moderator,
            options=self.options,
        )


class JobService:
    """Turns requests into reserved (or approval-pending) jobs; the runner takes it from there."""

    def __init__(
        self,
        store: Store,
        spending: SpendingPolicy,
        *,
        deadline_s: float,
        wake: Callable[[], None] = lambda: None,
        clock: Callable[[], float] = time.time,
        modlog: ModLog | None = None,
    ) -> None:
        self._store = store
        self._spending = spending
        self._deadline_s = deadline_s
        self._wake = wake
        self._clock = clock
        self.modlog: ModLog = modlog or NoModLog()
        self._policies: dict[int, tuple[float, GuildPolicy]] = {}

    async def policy(self, guild_id: int) -> GuildPolicy:
        """Return the server's rules (cached for POLICY_TTL_S; this process's changes apply at once)."""
        now = self._clock()
        cached = self._policies.get(guild_id)
        if cached is not None and cached[0] > now:
            return cached[1]
        policy = await self._store.get_policy(guild_id)
        self._policies[guild_id] = (now + POLICY_TTL_S, policy)
        return policy

    async def precheck(self, req: JobRequest) -> None:
        """Refuse early, before any slow work, when a rule or a limit already stands in the way.

        Raises:
            Refused: a moderation rule (blocked member, channel, role, age-restricted, blocklist).
            BudgetExhausted, MemberLimitReached: a limit is already reached.
        """
        policy = await self.policy(req.delivery.guild_id)
        check(policy, req.context(req.prompt))
        if needs_approval(policy, req.context(req.prompt)):
            return  # nothing is spent until a moderator approves; limits apply then
        quota = await self._spending.quota(self._store, policy, req.delivery.guild_id, req.user_id, self._clock())
        price = self._spending.price_for(policy, req.options.model)
        if quota.guild_spent + price > quota.guild_cap:
            raise BudgetExhausted(
                cap=quota.guild_cap, spent=quota.guild_spent, price=price, resets_at=quota.guild_resets_at
            )
        if quota.member_left <= 0 and not exempt_from_member_limits(policy, req.context(req.prompt)):
            raise MemberLimitReached(
                limit=quota.member_limit,
                used=quota.member_used,
                resets_at=quota.member_resets_at or self._clock() + 3600,
            )

    async def request(self, req: JobRequest) -> Job:
        """Validate, apply the server's rules, then queue (reserving the price) or hold for approval.

        Raises:
            InvalidPrompt, InvalidOptions, Refused: the request is not allowed (nothing reserved).
            BudgetExhausted, MemberLimitReached, InFlightLimit: a limit applies (nothing reserved).
        """
        prompt = clean_prompt(req.prompt, required=req.image is None)
        options = validate_options(req.options, pictures=len(unpack_images(req.image)))
        guild_id = req.delivery.guild_id
        policy = await self.policy(guild_id)
        ctx = req.context(prompt)
        check(policy, ctx)
        now = self._clock()
        job = Job(
            id=new_job_id(),
            user_id=req.user_id,
            kind=req.kind,
            prompt=prompt,
            options=options,
            delivery=req.delivery,
            price=self._spending.price_for(policy, options.model),
            created_at=now,
            deadline_at=now + self._deadline_s,
            locale=req.locale,
            parent_id=req.parent_id,
        )
        with job_context(job.id, guild_id, job.user_id):
            if needs_approval(policy, ctx):
                job = await self._store.add_pending(
                    job.with_changes(deadline_at=now + policy.approval_expire_h * 3600), image=req.image
                )
                log.info("job %s awaits approval (%s, %s)", job.id, job.kind, options.summary())
                await self.modlog.event(guild_id, "approval_requested", job=job, by=job.user_id)
                return job
            admission = self._spending.admission(policy, now, exempt=exempt_from_member_limits(policy, ctx))
            job = await self._store.admit(job, admission=admission, image=req.image)
            log.info("job %s queued (%s, %s)", job.id, job.kind, options.summary())
        await self.modlog.event(guild_id, "requested", job=job, by=job.user_id)
        await self._alert_if_crossed(guild_id, policy, job.price)
        self._wake()
        return job

    async def approve(self, job_id: str, *, by: int) -> Job:
        """A moderator approves: reserve the price and queue the job (every limit applies now).

        Raises:
            LookupError: the job is no longer waiting for approval.
            BudgetExhausted, MemberLimitReached, InFlightLimit: it no longer fits; it stays pending.
        """
        job = await self._store.get_job(job_id)
        if job is None:
            raise LookupError(job_id)
        policy = await self.policy(job.guild_id)
        now = self._clock()
        admission = self._spending.admission(policy, now, exempt=True)
        job = await self._store.approve(job_id, admission=admission, now=now, deadline_at=now + self._deadline_s)
        log.info("job %s approved by %s", job.id, by)
        await self.modlog.event(job.guild_id, "approved", job=job, by=by)
        await self._alert_if_crossed(job.guild_id, policy, job.price)
        self._wake()
        return job

    async def reject(self, job_id: str, *, by: int) -> Job:
        """A moderator rejects a pending request; nothing was reserved.

        Raises:
            LookupError: the job is no longer waiting for approval.
        """
        job = await self._store.get_job(job_id)
        if job is None or job.state is not JobState.AWAITING_APPROVAL:
            raise LookupError(job_id)
        job = job.with_changes(state=JobState.FAILED, finished_at=self._clock(), error_code="rejected")
        await self._store.save(job)
        await self.modlog.event(job.guild_id, "rejected", job=job, by=by)
        self._wake()
        return job

    async def cancel(self, job_id: str, *, by: int) -> Job:
        """The requester cancels a job that has not reached the provider; its price is released.

        Raises:
            LookupError: the job is already at the provider (or finished).
        """
        job = await self._store.cancel(job_id, now=self._clock())
        await self.modlog.event(job.guild_id, "cancelled", job=job, by=by)
        self._wake()
        return job

    async def quota(self, guild_id: int, user_id: int) -> Quota:
        """Return what is left for the member and their server."""
        policy = await self.policy(guild_id)
        return await self._spending.quota(self._store, policy, guild_id, user_id, self._clock())

    async def update_policy(self, guild_id: int, *, by: int, what: str, **changes: object) -> GuildPolicy:
        """Change the server's rules; the log channel hears who changed ``what``."""
        policy = (await self._store.get_policy(guild_id)).replace(**changes)  # fresh: never write back stale rules
        await self._store.save_policy(guild_id, policy, by=by, at=self._clock())
        self._policies[guild_id] = (self._clock() + POLICY_TTL_S, policy)
        log.info("guild %s: %s changed by %s", guild_id, what, by)
        await self.modlog.event(guild_id, "setting", by=by, detail={"what": what})
        return policy

    async def set_daily_budget(self, guild_id: int, micros: int | None, *, by: int) -> int:
        """Set the server's daily budget (None: back to the default); return the budget now in force."""
        policy = await self.update_policy(guild_id, by=by, what="daily budget", daily_budget=micros)
        return self._spending.daily_cap(policy, self._clock())

    async def _alert_if_crossed(self, guild_id: int, policy: GuildPolicy, price: int) -> None:
        """Tell the log channel once per period when 50, 80 and 100 % of a budget is spent."""
        now = self._clock()
        day, _ = utc_day(now)
        month, _ = utc_month(now)
        caps = [("day", day, self._spending.daily_cap(policy, now), await self._store.spent(guild_id, day))]
        if policy.monthly_budget is not None:
            caps.append(("month", month, policy.monthly_budget, await self._store.spent_in_month(guild_id, month)))
        for period, key, cap, spent in caps:
            for percent in crossed(cap, spent - price, spent):
                if await self._store.record_alert(guild_id, f"{period}:{key}", percent, at=now):
                    await self.modlog.event(
                        guild_id,
                        "budget_alert",
                        detail={"period": period, "percent": percent, "spent": spent, "cap": cap},
                    )
