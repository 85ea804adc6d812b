"""Admission: the server's rules and limits checked, price reserved and job persisted, in one go.

In approval mode a request from a member without a trusted role waits (nothing reserved) until a
moderator approves it; only then does the money move.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from bot.errors import BudgetExhausted, MemberLimitReached
from bot.jobs.lifecycle import born, transition
from bot.jobs.notify import ModLog, NoModLog
from bot.logs import job_context
from bot.models import AT_PROVIDER, Delivery, GuildPolicy, Job, JobState, Quota, VideoOptions
from bot.moderation.policy import RequestContext, check, exempt_from_member_limits, needs_approval
from bot.moderation.prompts import clean_prompt
from bot.provider.options import unpack_images, validate_options
from bot.spending.budget import SpendingPolicy, budget_day, budget_month, crossed
from bot.store.base import POLICY_TTL_S, Store

log = logging.getLogger(__name__)

_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"
MAX_PENDING = 3  # requests a member may have awaiting approval, unless the server says otherwise
WAITING = (JobState.AWAITING_APPROVAL, JobState.QUEUED)


class Cancel(StrEnum):
    """What a cancel did."""

    CANCELLED = "cancelled"  # ended before it was sent; any reserved price released
    SENT = "sent"  # already sent: the wish is recorded, the provider's answer decides
    FINISHED = "finished"  # too late: it has ended already


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
    parent_channel_id: int | None = None  # a thread's (or forum post's) channel: its rules apply

    def context(self, prompt: str) -> RequestContext:
        """Describe the request for the moderation checks."""
        return RequestContext(
            user_id=self.user_id,
            role_ids=self.role_ids,
            channel_id=self.delivery.channel_id,
            parent_channel_id=self.parent_channel_id,
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

    async def policy(self, guild_id: int) -> GuildPolicy:
        """Return the server's rules (up to POLICY_TTL_S old; this process's changes apply at once)."""
        return await self._store.get_policy(guild_id, max_age_s=POLICY_TTL_S)

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
        left = quota.member_left
        if left is not None and left <= 0 and not exempt_from_member_limits(policy, req.context(req.prompt)):
            raise MemberLimitReached(
                limit=quota.member_limit or 0,
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
        held = needs_approval(policy, ctx)  # born waiting for a moderator, nothing reserved; else queued
        state, charge = born(held=held)
        job = Job(
            id=new_job_id(),
            user_id=req.user_id,
            kind=req.kind,
            prompt=prompt,
            options=options,
            delivery=req.delivery,
            price=self._spending.price_for(policy, options.model),
            created_at=now,
            deadline_at=now + (policy.approval_expire_h * 3600 if held else self._deadline_s),
            locale=req.locale,
            parent_id=req.parent_id,
            limits_exempt=exempt_from_member_limits(policy, ctx),
            state=state,
            charge=charge,
        )
        with job_context(job.id, guild_id, job.user_id):
            if held:
                job = await self._store.add_pending(
                    job,
                    image=req.image,
                    max_pending=policy.member_pending if policy.member_pending is not None else MAX_PENDING,
                )
                log.info("job %s awaits approval (%s, %s)", job.id, job.kind, options.summary())
                await self.modlog.event(guild_id, "approval_requested", job=job, by=job.user_id)
                return job
            admission = self._spending.admission(policy, now, exempt=job.limits_exempt)
            job = await self._store.admit(job, admission=admission, image=req.image)
            log.info("job %s queued (%s, %s)", job.id, job.kind, options.summary())
        await self.modlog.event(guild_id, "requested", job=job, by=job.user_id)
        await self._alert_if_crossed(guild_id, policy)
        self._wake()
        return job

    async def approve(self, job_id: str, *, by: int) -> Job:
        """A moderator approves: reserve the price and queue the job; the member's own limits apply too.

        Raises:
            LookupError: the job is no longer waiting for approval (decided, cancelled, expired or forgotten).
            BudgetExhausted, MemberLimitReached, InFlightLimit: it no longer fits; it stays pending.
        """
        job = await self._store.get_job(job_id)
        if job is None:
            raise LookupError(job_id)
        policy = await self.policy(job.guild_id)
        now = self._clock()
        admission = self._spending.admission(policy, now, exempt=job.limits_exempt)
        outcome = await transition(
            self._store,
            job_id,
            guild_id=job.guild_id,
            expect=JobState.AWAITING_APPROVAL,
            event="approve",
            admission=admission,
            changes={"day": admission.day, "deadline_at": now + self._deadline_s},
            now=now,
        )
        if not outcome.applied or outcome.job is None:
            raise LookupError(job_id)
        job = outcome.job
        log.info("job %s approved by %s", job.id, by)
        await self.modlog.event(job.guild_id, "approved", job=job, by=by)
        await self._alert_if_crossed(job.guild_id, policy)
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
        ended = await self._end(job, "reject", error_code="rejected")
        if ended is None:
            raise LookupError(job_id)
        await self.modlog.event(job.guild_id, "rejected", job=ended, by=by)
        self._wake()
        return ended

    async def _end(self, job: Job, event: str, *, error_code: str) -> Job | None:
        """End a job that was never sent (reject, cancel) from the state it was read in; None if it moved on."""
        now = self._clock()
        outcome = await transition(
            self._store,
            job.id,
            guild_id=job.guild_id,
            expect=job.state,
            event=event,
            changes={"finished_at": now, "error_code": error_code},
            now=now,
        )
        return outcome.job if outcome.applied else None

    async def cancel(self, job_id: str, *, by: int) -> tuple[Cancel, Job]:
        """The requester (or a moderator) cancels.

        Before the job is sent it ends at once and its price is released. Once it was sent, the wish is
        recorded and the provider's answer decides: a task that exists is made and delivered (it is paid
        for); one the provider never took ends, released.

        Raises:
            LookupError: the job is gone.
        """
        for _ in range(3):  # a lost race means the job moved on: look again
            job = await self._store.get_job(job_id)
            if job is None:
                raise LookupError(job_id)
            if job.state in WAITING:
                ended = await self._end(job, "cancel", error_code="cancelled")
                if ended is None:
                    continue
                await self.modlog.event(job.guild_id, "cancelled", job=ended, by=by)
                self._wake()
                return Cancel.CANCELLED, ended
            if job.state in AT_PROVIDER:
                wished = await self._store.request_cancel(job_id, now=self._clock())
                if wished is None or wished.cancel_requested_at is None:
                    continue
                log.info("job %s: cancel requested by %s after it was sent", job.id, by)
                self._wake()
                return Cancel.SENT, wished
            return Cancel.FINISHED, job
        raise LookupError(job_id)

    async def forget_member(self, user_id: int) -> int:
        """forget-me: cancel (and release) the member's unsent jobs, then delete what can be deleted.

        A job already sent keeps going (it may be billed) with its prompt blanked once the provider has
        it; a later forget-me deletes it. Returns how many jobs were deleted now.
        """
        for job in await self._store.member_jobs(user_id, (*WAITING, *AT_PROVIDER)):
            with contextlib.suppress(LookupError):
                await self.cancel(job.id, by=user_id)
        return await self._store.forget_member(user_id)

    async def quota(self, guild_id: int, user_id: int) -> Quota:
        """Return what is left for the member and their server."""
        policy = await self.policy(guild_id)
        return await self._spending.quota(self._store, policy, guild_id, user_id, self._clock())

    async def update_policy(
        self,
        guild_id: int,
        *,
        by: int,
        what: str,
        change: Callable[[GuildPolicy], Mapping[str, Any]] | None = None,
        **changes: Any,
    ) -> GuildPolicy:
        """Change the server's rules atomically; the log channel hears who changed ``what`` (old → new).

        ``change`` computes fields from the rules as they are in the database at that moment (a top-up
        adds to the stored amount), so concurrent changes by two moderators are never lost.
        """
        fields: list[str] = []

        def apply(current: GuildPolicy) -> Mapping[str, Any]:
            applied = {**(change(current) if change else {}), **changes}
            fields[:] = applied
            return applied

        before, policy = await self._store.change_policy(guild_id, apply, by=by, at=self._clock())
        log.info("guild %s: %s changed by %s", guild_id, what, by)
        detail = {"what": what, "before": before, "after": policy, "fields": tuple(fields)}
        await self.modlog.event(guild_id, "setting", by=by, detail=detail)
        return policy

    async def set_daily_budget(self, guild_id: int, micros: int | None, *, by: int) -> int:
        """Set the server's daily budget (None: back to the default); return the budget now in force."""
        policy = await self.update_policy(guild_id, by=by, what="daily budget", daily_budget=micros)
        return self._spending.daily_cap(policy, self._clock())

    async def _alert_if_crossed(self, guild_id: int, policy: GuildPolicy) -> None:
        """Tell the log channel once per period when 50, 80 and 100 % of a budget is spent.

        Every threshold at or below the spend now is checked (once per period, by the store), so two
        requests admitted at once cannot jump over one.
        """
        now = self._clock()
        day, _ = budget_day(now, policy.timezone)
        month, _ = budget_month(now, policy.timezone)
        caps = [("day", day, self._spending.daily_cap(policy, now), await self._store.spent(guild_id, day))]
        if policy.monthly_budget is not None:
            caps.append(("month", month, policy.monthly_budget, await self._store.spent_in_month(guild_id, month)))
        for period, key, cap, spent in caps:
            for percent in crossed(cap, -1, spent):
                if await self._store.record_alert(guild_id, f"{period}:{key}", percent, at=now):
                    await self.modlog.event(
                        guild_id,
                        "budget_alert",
                        detail={"period": period, "percent": percent, "spent": spent, "cap": cap},
                    )
