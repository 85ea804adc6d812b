"""A job's life as data: the states, the allowed transitions, and what each does to money and limits.

``transition()`` is the ONE function that changes a job's state. It looks the edge up in ``EDGES`` and
hands it to the store, which applies it as one conditional write — the expected state, and for the
runner's edges the lease holder's fencing token — in the same transaction as the ledger row. A
transition that loses a race changes nothing and returns the row as the winner left it; the caller
acts on that. Read this file to see every way a job can move.

Uncertainty is a state: a job is SUBMITTING from just before its POST until the provider's answer (or a
look-up by request_id) says whether the task exists. Nothing releases money from SUBMITTING except a
definite "no" (a refusal, or confirmed absent after the member cancelled); the store also forbids it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from bot.models import COUNTS_FOR_LIMITS, WORKING, Charge, Lease, Money, Outcome
from bot.models import JobState as S
from bot.store.base import Admission


@dataclass(frozen=True, slots=True)
class Edge:
    """Where an event takes a job, and what it does to the money."""

    to: S
    money: Money = Money.KEEP
    needs_lease: bool = True  # the runner's edges are fenced; members' and moderators' are not


EDGES: Mapping[tuple[S, str], Edge] = {
    # A moderator decides on a held request (nothing reserved until approved).
    (S.AWAITING_APPROVAL, "approve"): Edge(S.QUEUED, Money.RESERVE, needs_lease=False),
    (S.AWAITING_APPROVAL, "reject"): Edge(S.FAILED, needs_lease=False),
    (S.AWAITING_APPROVAL, "cancel"): Edge(S.FAILED, needs_lease=False),
    (S.AWAITING_APPROVAL, "expire"): Edge(S.EXPIRED, needs_lease=False),
    # Queued: the price is reserved; nothing has left for the provider.
    (S.QUEUED, "send"): Edge(S.SUBMITTING),  # committed BEFORE the POST; takes a provider slot
    (S.QUEUED, "cancel"): Edge(S.FAILED, Money.RELEASE, needs_lease=False),
    (S.QUEUED, "expire"): Edge(S.EXPIRED, Money.RELEASE),
    # Submitting: the outcome is unknown until the provider says.
    (S.SUBMITTING, "accepted"): Edge(S.SUBMITTED),  # a task exists (new, or adopted after 1231)
    (S.SUBMITTING, "refused"): Edge(S.FAILED, Money.RELEASE),  # a definite no: nothing was billed
    (S.SUBMITTING, "absent"): Edge(S.QUEUED),  # provably not taken (never left, 429, look-up: none)
    (S.SUBMITTING, "absent_cancelled"): Edge(S.FAILED, Money.RELEASE),  # not taken, and the member cancelled
    (S.SUBMITTING, "retry_later"): Edge(S.SUBMITTING),  # still unknown: try again later (same request_id)
    (S.SUBMITTING, "unconfirmed"): Edge(S.FAILED),  # never resolved by the deadline: kept, it may be billed
    # At the provider: polled.
    (S.SUBMITTED, "polled"): Edge(S.SUBMITTED),
    (S.SUBMITTED, "running"): Edge(S.PROCESSING),
    (S.PROCESSING, "polled"): Edge(S.PROCESSING),
    **{(s, "succeeded"): Edge(S.SUCCEEDED) for s in (S.SUBMITTED, S.PROCESSING)},
    **{(s, "failed"): Edge(S.FAILED) for s in (S.SUBMITTED, S.PROCESSING)},  # billed: the server keeps it
    **{(s, "failed_free"): Edge(S.FAILED, Money.RELEASE) for s in (S.SUBMITTED, S.PROCESSING)},
    **{(s, "late"): Edge(S.EXPIRED) for s in (S.SUBMITTED, S.PROCESSING)},  # gave up after the grace period
    # Finished: the member's reply shows it.
    (S.SUCCEEDED, "refresh"): Edge(S.SUCCEEDED),  # a new result URL
    (S.SUCCEEDED, "delivered"): Edge(S.DELIVERED),
    (S.FAILED, "shown"): Edge(S.FAILED),
    (S.EXPIRED, "shown"): Edge(S.EXPIRED),
}

# What the states mean for a member's limits (defined beside the states, so the store's counts use them):
# hourly/daily limits count COUNTS_FOR_LIMITS with a reserved price; "at once" limits count WORKING.
__all__ = ["COUNTS_FOR_LIMITS", "EDGES", "WORKING", "Edge", "InvalidTransition", "born", "transition"]

# The fields a transition may set besides state and charge.
FIELDS = frozenset(
    {
        "task_id", "submit_attempts", "submitted_at", "finished_at", "delivered_at", "next_poll_at", "polls",
        "deadline_at", "video_url", "cover_url", "error_code", "error_detail", "day",
    }
)  # fmt: skip


def born(*, held: bool) -> tuple[S, Charge]:
    """A new job's state and charge: held for a moderator with nothing reserved, or queued with its price
    reserved (the store's admission writes the reserve row in the same transaction)."""
    return (S.AWAITING_APPROVAL, Charge.NONE) if held else (S.QUEUED, Charge.RESERVED)


class InvalidTransition(ValueError):
    """The code asked for an edge the table does not have (a bug, not a race)."""


class TransitionStore(Protocol):
    """The store's half: one conditional write with its ledger row."""

    async def apply_transition(
        self,
        job_id: str,
        *,
        guild_id: int,
        expect: S,
        to: S,
        money: Money,
        lease: Lease | None,
        changes: Mapping[str, object],
        admission: Admission | None,
        slot_limit: int | None,
        now: float | None = None,
    ) -> Outcome:
        """Move the job to ``to`` if it is still in ``expect`` (and held under ``lease``), with its ledger row."""
        ...


async def transition(
    store: TransitionStore,
    job_id: str,
    *,
    guild_id: int,
    expect: S,
    event: str,
    lease: Lease | None = None,
    changes: Mapping[str, object] | None = None,
    admission: Admission | None = None,
    slot_limit: int | None = None,
    now: float | None = None,
) -> Outcome:
    """Move a job along one edge of ``EDGES``; the only way a job's state changes.

    ``admission``: the limits a RESERVE must fit (checked in the same transaction; raises the refusal).
    ``slot_limit``: for "send", the provider's concurrency: applied only while fewer jobs are at the provider.
    ``now``: the time to record; None (production) means the database's clock.

    Raises:
        InvalidTransition: no such edge, a fenced edge without a lease, or a field transitions do not set.
        BudgetExhausted, MemberLimitReached, InFlightLimit: a RESERVE no longer fits; nothing changed.
    """
    edge = EDGES.get((expect, event))
    fields = dict(changes or {})
    if edge is None or (edge.needs_lease and lease is None) or not FIELDS.issuperset(fields):
        raise InvalidTransition(f"{expect.value} --{event}--> ? (lease={lease is not None}, fields={sorted(fields)})")
    if edge.money is Money.RESERVE and admission is None:
        raise InvalidTransition(f"{expect.value} --{event}--> reserves money without an admission")
    return await store.apply_transition(
        job_id,
        guild_id=guild_id,
        expect=expect,
        to=edge.to,
        money=edge.money,
        lease=lease if edge.needs_lease else None,
        changes=fields,
        admission=admission,
        slot_limit=slot_limit,
        now=now,
    )
