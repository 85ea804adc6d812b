"""Sending a job to the provider, and resolving a send whose outcome is unknown.

The runner commits QUEUED → SUBMITTING (taking a provider slot) before the POST. From SUBMITTING a job
leaves only on the provider's answer: ``accepted`` (a task exists: new, or adopted after 1231 and a
look-up by request_id), ``refused`` (a definite no: released), ``absent`` (provably not taken: back in
the queue, or released if the member cancelled). A timeout, a 5xx or a garbled answer changes nothing
but the time of the next try, which repeats the POST with the same request_id — or, when the member has
asked to cancel, only looks the request up, so a cancelled job is never sent again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from bot.jobs.faults import crash_point
from bot.jobs.notify import ModLog, NoModLog
from bot.models import Job
from bot.provider import errors
from bot.provider.client import CogVideoClient, TaskStatus
from bot.provider.options import request_body
from bot.store.base import Store

log = logging.getLogger(__name__)

# (job, event, changes) -> the job as moved, or None when the move lost a race (the runner looks again).
Move = Callable[..., Awaitable[Job | None]]
Accept = Callable[[Job, TaskStatus], Awaitable[None]]


def definitely_absent(exc: errors.ProviderError) -> bool:
    """True when a look-up's error is the provider's own "no such task" (not a gateway's HTML page)."""
    return exc.code is not None and (isinstance(exc, errors.TaskNotFound) or exc.status == 404)


class Submitter:
    """Sends SUBMITTING jobs; pauses all sending while the provider pushes back."""

    def __init__(
        self,
        store: Store,
        client: CogVideoClient,
        *,
        move: Move,
        accept: Accept,
        error_backoff_s: float,
        max_backoff_s: float = 60.0,
        clock: Callable[[], float] = time.time,
        modlog: ModLog | None = None,
    ) -> None:
        self._modlog: ModLog = modlog or NoModLog()
        self._store = store
        self._client = client
        self._move = move
        self._accept = accept
        self._backoff = error_backoff_s
        self._max_backoff = max_backoff_s
        self._clock = clock
        self.paused_until = 0.0
        self.pause_reason: str | None = None
        self._balance_alerted = False

    def paused(self, now: float) -> bool:
        """Return True while submissions wait (rate limit, balance, provider down)."""
        return now < self.paused_until

    async def send(self, job: Job) -> None:
        """POST a SUBMITTING job (again, with the same request_id, if an earlier answer was lost)."""
        if job.cancel_requested_at is not None:
            await self.look_up(job)  # the member cancelled: find out, never send again
            return
        image = await self._store.input_image(job.id) if job.kind == "image" else None
        body = request_body(
            job.options, prompt=job.prompt, image=image, request_id=job.request_id, user_id=f"discord-{job.user_id}"
        )
        try:
            crash_point("before_submit")
            status = await self._client.submit(body)
            crash_point("after_submit")  # accepted by the provider, not yet recorded
        except errors.DuplicateRequest:
            log.info("job %s: the provider already has our request_id; looking it up", job.id)
            await self.look_up(job)
            return
        except errors.ProviderUnreachable as exc:
            log.warning("job %s: provider unreachable (%s); back in the queue", job.id, exc)
            await self._not_taken(job, 10.0, "provider_down")
            return
        except errors.RateLimited as exc:
            log.warning(
                "job %s: provider rate limit %s; back in the queue for %.0fs", job.id, exc.code, exc.retry_after
            )
            await self._not_taken(job, exc.retry_after, "provider_busy")
            return
        except errors.OutOfBalance as exc:
            if not self._balance_alerted:
                log.error("provider account is out of balance (%s): top it up; queued jobs wait", exc.code)
                self._balance_alerted = True
                await self._modlog.event(job.guild_id, "provider_balance")
            await self._not_taken(job, 60.0, "provider_balance")
            return
        except (errors.ServerError, errors.ProviderTimeout, errors.MalformedResponse) as exc:
            log.warning("job %s: submit outcome unknown (%s), attempt %d", job.id, exc, job.submit_attempts + 1)
            await self.retry_later(job, reason="provider_down")
            return
        except errors.ProviderError as exc:
            # Refused outright (content, bad request, key, account): nothing was billed.
            level = logging.ERROR if isinstance(exc, errors.AuthFailed | errors.AccountProblem) else logging.INFO
            log.log(level, "job %s refused by provider: %s", job.id, exc)
            await self._move(
                job, "refused", finished_at=self._clock(), error_code=_refusal_code(exc), error_detail=str(exc)[:200]
            )
            return
        self._balance_alerted = False
        await self._accept(job, status)

    async def look_up(self, job: Job) -> None:
        """Resolve a send by asking for our request_id: adopt the task, or learn it never landed."""
        try:
            status = await self._client.fetch(job.request_id)
        except errors.ProviderError as exc:
            if not definitely_absent(exc):
                log.warning("job %s: look-up by request_id failed (%s); trying later", job.id, exc)
                await self.retry_later(job, reason=None)
                return
            log.info("job %s: the provider has no task for our request_id", job.id)
            if job.cancel_requested_at is not None:
                await self._move(job, "absent_cancelled", finished_at=self._clock(), error_code="cancelled")
            else:  # a 1231 whose task cannot be found (yet): try the same request again later
                await self.retry_later(job, reason=None)
            return
        log.info("job %s: the provider has it (task %s); adopted", job.id, status.task_id)
        await self._accept(job, status)

    async def retry_later(self, job: Job, *, reason: str | None) -> None:
        """Leave the job SUBMITTING (its outcome unknown) and try again after a backoff."""
        attempts = job.submit_attempts + 1
        delay = min(self._max_backoff, self._backoff * attempts)
        if reason:
            self.paused_until = max(self.paused_until, self._clock() + delay)
            self.pause_reason = reason
        await self._move(job, "retry_later", submit_attempts=attempts, next_poll_at=self._clock() + delay)

    async def _not_taken(self, job: Job, seconds: float, reason: str) -> None:
        self.paused_until = max(self.paused_until, self._clock() + seconds)
        self.pause_reason = reason
        if job.cancel_requested_at is not None:
            await self._move(job, "absent_cancelled", finished_at=self._clock(), error_code="cancelled")
        else:
            await self._move(job, "absent")


def _refusal_code(exc: errors.ProviderError) -> str:
    if isinstance(exc, errors.ContentRejected):
        return "content_rejected"
    if isinstance(exc, errors.AuthFailed | errors.AccountProblem):
        return "provider_account"
    return "invalid_request"


def status_changes(status: TaskStatus, now: float) -> dict[str, Any]:
    """Return the fields a finished task's answer sets."""
    if status.status == "SUCCESS":
        return {"finished_at": now, "video_url": status.video_url, "cover_url": status.cover_url}
    return {"finished_at": now, "error_detail": status.detail[:200]}
