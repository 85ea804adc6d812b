"""Acknowledgements first: follow-up work waits for a burst's acknowledgements (bot/pacing.py)."""

from __future__ import annotations

import asyncio
import time

from bot.pacing import AckFirst


async def test_follow_up_work_waits_until_every_acknowledgement_is_answered() -> None:
    """In a burst, no command's slower work starts while another command's acknowledgement is under way."""
    gate = AckFirst(settle_s=0.005, max_wait_s=5)
    order: list[str] = []
    answered = asyncio.Event()

    async def command(name: str, slow: bool) -> None:
        gate.arrived()
        try:
            if slow:
                await answered.wait()
            order.append(f"ack {name}")
        finally:
            gate.acknowledged()
        await gate.settled()
        order.append(f"work {name}")

    tasks = [asyncio.create_task(command("a", False)), asyncio.create_task(command("b", True))]
    await asyncio.sleep(0.05)
    assert order == ["ack a"]  # a's work waits for b's acknowledgement
    answered.set()
    await asyncio.gather(*tasks)
    assert order[:2] == ["ack a", "ack b"] and sorted(order[2:]) == ["work a", "work b"]


async def test_follow_up_work_never_waits_longer_than_the_cap() -> None:
    """An acknowledgement that never comes back holds the others' work up for max_wait_s at most."""
    gate = AckFirst(settle_s=0.005, max_wait_s=0.05)
    gate.arrived()  # never answered
    await asyncio.wait_for(gate.settled(), timeout=1)


async def test_waiting_for_an_acknowledgement_sleeps_instead_of_polling() -> None:
    """While an acknowledgement is pending, a waiting command wakes when it is answered, not every millisecond."""
    looks = 0

    def clock() -> float:
        nonlocal looks
        looks += 1
        return time.monotonic()

    gate = AckFirst(settle_s=0.005, max_wait_s=0.3, clock=clock)
    gate.arrived()
    await asyncio.sleep(0.01)  # quiet for longer than settle_s, but the acknowledgement is still out
    waiting = asyncio.create_task(gate.settled())
    await asyncio.sleep(0.2)
    gate.acknowledged()
    await asyncio.wait_for(waiting, timeout=1)
    assert looks < 20  # a 1-ms polling loop would have looked ~200 times
