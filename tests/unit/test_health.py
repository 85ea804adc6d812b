from __future__ import annotations

import socket

import aiohttp

from bot.health import HealthChecks, HealthServer
from bot.store.sql import SqlStore


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_healthz_names_the_part_that_is_down(store: SqlStore) -> None:
    state = {"gateway": True}
    port = free_port()
    server = HealthServer(
        HealthChecks(gateway=lambda: state["gateway"], runner=lambda: True, store=store), host="127.0.0.1", port=port
    )
    await server.start()
    try:
        async with aiohttp.ClientSession() as session:
            async with session.get(f"http://127.0.0.1:{port}/healthz") as resp:
                assert resp.status == 200 and (await resp.json())["ok"] is True
            state["gateway"] = False
            async with session.get(f"http://127.0.0.1:{port}/healthz") as resp:
                assert resp.status == 503
                assert await resp.json() == {"ok": False, "gateway": False, "store": True, "runner": True}
            async with session.get(f"http://127.0.0.1:{port}/metrics") as resp:
                text = await resp.text()
                assert resp.status == 200 and 'reelbot_jobs{state="queued"} 0.0' in text
    finally:
        await server.stop()
