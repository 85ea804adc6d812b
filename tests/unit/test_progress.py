from __future__ import annotations

import asyncio

from bot.jobs.progress import RELEARN_S, Progress
from bot.models import Delivery, Duration, Job, VideoOptions

JOB = Job(
    id="j1", user_id=1, kind="text", prompt="p", options=VideoOptions(model="cogvideox-2"),
    delivery=Delivery(guild_id=1, channel_id=2, message_id=3, application_id=4), price=1, created_at=0.0,
)  # fmt: skip


class History:
    """The store's durations, as they grow; counts the reads."""

    def __init__(self) -> None:
        self.finished: list[Duration] = []
        self.reads = 0

    async def durations(self, schedule_key: str, *, limit: int = 50) -> list[Duration]:
        self.reads += 1
        return self.finished[-limit:]


def test_a_young_history_is_relearned_on_every_finish_a_grown_one_less_often() -> None:
    """The first finishes change the estimate most: a burst accepted right after them must not use the prior;
    a grown history is read again after RELEARN_S, or once a quarter as many jobs again have finished."""

    async def go() -> None:
        now = [100.0]
        store = History()
        progress = Progress(store, None, every_s=30, clock=lambda: now[0], pause=lambda _: None)  # type: ignore[arg-type]
        prior = await progress.estimate(JOB)
        for n in range(1, 6):  # five jobs of 20 s end within the same second
            store.finished.append(Duration(20.0))
            progress.learn(JOB)
            now[0] += 0.1
            est = await progress.estimate(JOB)
            assert est.samples == n
        assert est.expected_s < prior.expected_s
        for _ in range(35):
            store.finished.append(Duration(20.0))
            progress.learn(JOB)
        now[0] += RELEARN_S
        assert (await progress.estimate(JOB)).samples == 40
        reads = store.reads
        for _ in range(9):  # nine more, within the second: not yet a quarter of 40
            store.finished.append(Duration(20.0))
            progress.learn(JOB)
            assert (await progress.estimate(JOB)).samples == 40
        assert store.reads == reads
        store.finished.append(Duration(20.0))
        progress.learn(JOB)
        assert (await progress.estimate(JOB)).samples == 50
        store.finished.append(Duration(20.0))
        progress.learn(JOB)
        now[0] += RELEARN_S
        await progress.estimate(JOB)
        assert store.reads == reads + 2

    asyncio.run(go())
