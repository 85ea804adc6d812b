"""Jobs to rows and back, shared by every SQL dialect (rows are read by column name)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from bot.models import Charge, Delivery, Job, JobState, VideoOptions

COLUMNS = (
    "id", "guild_id", "channel_id", "message_id", "application_id", "interaction_token", "token_expires_at",
    "upload_limit", "user_id", "kind", "prompt", "options", "schedule_key", "price", "charge", "day", "state",
    "task_id", "submit_attempts", "created_at", "submitted_at", "finished_at", "delivered_at", "next_poll_at",
    "polls", "deadline_at", "video_url", "cover_url", "error_code", "error_detail", "locale", "parent_id",
    "limits_exempt",
)  # fmt: skip
# After the insert, a job's state, charge and progress change only through the lifecycle's conditional
# write (bot/store/lifecycle_sql.py); where its reply lives only through Store.move_reply.


def job_to_row(job: Job, day: str = "") -> dict[str, Any]:
    """Return every column of ``job`` (``day``: the UTC day its price counts against)."""
    d, o = job.delivery, job.options
    options = {
        "model": o.model,
        "size": o.size,
        "duration": o.duration,
        "fps": o.fps,
        "quality": o.quality,
        "with_audio": o.with_audio,
        **o.extras(),  # the Vidu options, only when chosen (older rows simply lack them)
        **({"continues": o.continues} if o.continues else {}),
    }
    return {
        "id": job.id, "guild_id": d.guild_id, "channel_id": d.channel_id, "message_id": d.message_id,
        "application_id": d.application_id, "interaction_token": d.interaction_token,
        "token_expires_at": float(d.token_expires_at), "upload_limit": d.upload_limit, "user_id": job.user_id,
        "kind": job.kind, "prompt": job.prompt, "options": json.dumps(options), "schedule_key": o.schedule_key(),
        "price": job.price, "charge": job.charge.value, "day": day, "state": job.state.value,
        "task_id": job.task_id, "submit_attempts": job.submit_attempts, "created_at": float(job.created_at),
        "submitted_at": _f(job.submitted_at), "finished_at": _f(job.finished_at),
        "delivered_at": _f(job.delivered_at), "next_poll_at": _f(job.next_poll_at), "polls": job.polls,
        "deadline_at": float(job.deadline_at), "video_url": job.video_url, "cover_url": job.cover_url,
        "error_code": job.error_code, "error_detail": job.error_detail, "locale": job.locale,
        "parent_id": job.parent_id, "limits_exempt": int(job.limits_exempt),
    }  # fmt: skip


def row_to_job(row: Mapping[str, Any]) -> Job:
    """Rebuild a Job from a row of the jobs table."""
    delivery = Delivery(
        guild_id=row["guild_id"], channel_id=row["channel_id"], message_id=row["message_id"],
        application_id=row["application_id"], interaction_token=row["interaction_token"],
        token_expires_at=row["token_expires_at"], upload_limit=row["upload_limit"],
    )  # fmt: skip
    return Job(
        id=row["id"], user_id=row["user_id"], kind=row["kind"], prompt=row["prompt"],
        options=_options(row["options"]), delivery=delivery, price=row["price"],
        created_at=row["created_at"], state=JobState(row["state"]), charge=Charge(row["charge"]),
        task_id=row["task_id"], submit_attempts=row["submit_attempts"], submitted_at=row["submitted_at"],
        finished_at=row["finished_at"], delivered_at=row["delivered_at"], next_poll_at=row["next_poll_at"],
        polls=row["polls"], deadline_at=row["deadline_at"], video_url=row["video_url"],
        cover_url=row["cover_url"], error_code=row["error_code"], error_detail=row["error_detail"],
        locale=row["locale"], parent_id=row["parent_id"], limits_exempt=bool(row["limits_exempt"]),
        cancel_requested_at=row["cancel_requested_at"], lease_owner=row["lease_owner"],
        lease_epoch=int(row["lease_epoch"]),
    )  # fmt: skip


@lru_cache(maxsize=1024)
def _options(text: str) -> VideoOptions:
    """The options of a row (immutable, and most jobs share a few: parsed once each)."""
    return VideoOptions(**json.loads(text))


def _f(value: float | None) -> float | None:
    return None if value is None else float(value)
