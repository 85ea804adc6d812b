from __future__ import annotations

import asyncio

from bot.ui.pacing import TokenBucket


async def test_token_bucket_allows_a_burst_then_paces() -> None:
    clock = {"now": 0.0}
    bucket = TokenBucket(rate=10, burst=3, clock=lambda: clock["now"])
    for _ in range(3):
        await bucket.acquire()  # the burst goes through at once
    waiter = asyncio.ensure_future(bucket.acquire())
    await asyncio.sleep(0)
    assert not waiter.done()  # the fourth waits for a token
    clock["now"] += 0.1
    await asyncio.wait_for(waiter, 1)
