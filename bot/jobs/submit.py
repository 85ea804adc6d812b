"""Submitting a job to the provider exactly once, and what to do with each kind of refusal.

A submit whose outcome is unknown (timeout, 5xx, a garbled answer) is repeated later with the same
request_id: if the first one landed, the provider answers 1231 and the existing task is adopted.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from bot.jobs.faults import crash_point
from bot.jobs.notify import ModLog, NoModLog
from bot.models import Job, JobState
from bot.provider import errors
from bot.provider.client import CogVideoClient, TaskStatus
from bot.provider.options import request_body
from bot.store.base import Store

log = logging.getLogger(__name__)

MAX_SUBMIT_ATTEMPTS = 3


@dataclass(frozen=True, slots=True)
class Submitted:
    """What became of one submit: the job as saved, and whether to go on submitting others now."""

    job: Job
    go_on: bool
    status: TaskStatus | None = None  # the provider's answer, when it accepted the job


class Submitter:
    """Sends queued jobs to the provider; pauses all submissions when the provider pushes back."""

    def __init__(
        self,
        store: Store,
        client: CogVideoClient,
        *,
        error_backoff_s: float,
        clock: Callable[[], float] = time.time,
        modlog: ModLog | None = None,
    ) -> None:
        self._modlog: ModLog = modlog or NoModLog()
        self._store = store
        self._client = client
        self._backoff = error_backoff_s
        self._clock = clock
        self.paused_until = 0.0
        self.pause_reason: str | None = None
        self._balance_alerted = False

    def paused(self, now: float) -> bool:
        """Return True while submissions wait (rate limit, balance, provider down)."""
        return now < self.paused_until

    async def submit(self, job: Job) -> Submitted:
        """Submit ``job``; the result says how it was saved."""
        image = await self._store.input_image(job.id) if job.kind == "image" else None
        body = request_body(
            job.options, prompt=job.prompt, image=image, request_id=job.request_id, user_id=f"discord-{job.user_id}"
        )
        now = self._clock()
        try:
            crash_point("before_submit")
            status = await self._client.submit(body)
            crash_point("after_submit")  # accepted by the provider, not yet recorded
        except errors.DuplicateRequest:
            return await self._adopt_existing(job)
        except errors.ProviderUnreachable as exc:
            log.warning("job %s: provider unreachable (%s); will retry", job.id, exc)
            return await self._wait(job, 10.0, "provider_down")
        except errors.RateLimited as exc:
            log.warning("job %s: provider rate limit %s; queue kept, retry in %.0fs", job.id, exc.code, exc.retry_after)
            return await self._wait(job, exc.retry_after, "provider_busy")
        except errors.OutOfBalance as exc:
            if not self._balance_alerted:
                log.error("provider account is out of balance (%s): top it up; queued jobs wait", exc.code)
                self._balance_alerted = True
                await self._modlog.event(job.guild_id, "provider_balance")
            return await self._wait(job, 60.0, "provider_balance")
        except (errors.ServerError, errors.ProviderTimeout, errors.MalformedResponse) as exc:
            attempts = job.submit_attempts + 1
            log.warning("job %s: submit outcome unknown (%s), attempt %d", job.id, exc, attempts)
            if attempts >= MAX_SUBMIT_ATTEMPTS:
                failed = job.with_changes(
                    state=JobState.FAILED,
                    submit_attempts=attempts,
                    finished_at=now,
                    error_code="unknown_submission",
                    error_detail=str(exc)[:200],
                )
                await self._store.save(failed)
                return Submitted(failed, go_on=False)
            return await self._wait(
                job.with_changes(submit_attempts=attempts), self._backoff * attempts, "provider_down"
            )
        except errors.ProviderError as exc:
            # Refused outright (content, bad request, key, account): nothing was billed.
            code = _refusal_code(exc)
            level = logging.ERROR if isinstance(exc, errors.AuthFailed | errors.AccountProblem) else logging.INFO
            log.log(level, "job %s refused by provider: %s", job.id, exc)
            failed = await self._store.release(
                job.with_changes(state=JobState.FAILED, finished_at=now, error_code=code, error_detail=str(exc)[:200])
            )
            return Submitted(failed, go_on=True)
        self._balance_alerted = False
        return Submitted(job, go_on=True, status=status)

    async def _wait(self, job: Job, seconds: float, reason: str) -> Submitted:
        self.paused_until = max(self.paused_until, self._clock() + seconds)
        self.pause_reason = reason
        await self._store.save(job)  # still queued; frees its provider slot
        return Submitted(job, go_on=False)

    async def _adopt_existing(self, job: Job) -> Submitted:
        """1231: a task with our request_id exists; find it rather than paying for another."""
        try:
            status = await self._client.fetch(job.request_id)
        except errors.ProviderError as exc:
            log.error("job %s: provider has our request_id but the task cannot be found (%s)", job.id, exc)
            failed = job.with_changes(state=JobState.FAILED, finished_at=self._clock(), error_code="unknown_submission")
            await self._store.save(failed)
            return Submitted(failed, go_on=True)
        log.info("job %s: the provider already had it (task %s); adopted", job.id, status.task_id)
        return Submitted(job, go_on=True, status=status)


def _refusal_code(exc: errors.ProviderError) -> str:
    if isinstance(exc, errors.ContentRejected):
        return "content_rejected"
    if isinstance(exc, errors.AuthFailed | errors.AccountProblem):
        return "provider_account"
    return "invalid_request"
