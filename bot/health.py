"""The operator's endpoint: /healthz (gateway, store, runner) and Prometheus /metrics.

Bound to 127.0.0.1 unless METRICS_HOST says otherwise; off unless METRICS_PORT is set.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from bot.metrics import JOBS, QUEUE_DEPTH, REGISTRY
from bot.models import JobState
from bot.store.sql import SqlStore

log = logging.getLogger(__name__)


@dataclass
class HealthChecks:
    """How to tell whether each part is alive."""

    gateway: Callable[[], bool]
    runner: Callable[[], bool]
    store: SqlStore


class HealthServer:
    """A tiny aiohttp server; start() and stop() around the bot's life."""

    def __init__(self, checks: HealthChecks, *, host: str, port: int) -> None:
        self._checks = checks
        self._host, self._port = host, port
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        """Listen on host:port."""
        app = web.Application()
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/metrics", self._metrics)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, self._host, self._port).start()
        log.info("health and metrics on http://%s:%d/healthz and /metrics", self._host, self._port)

    async def stop(self) -> None:
        """Stop listening."""
        if self._runner is not None:
            await self._runner.cleanup()

    async def _healthz(self, request: web.Request) -> web.Response:
        store_ok = await _safely(self._checks.store.schema_version)
        parts = {"gateway": self._checks.gateway(), "store": store_ok, "runner": self._checks.runner()}
        healthy = all(parts.values())
        return web.Response(
            text=json.dumps({"ok": healthy, **parts}), status=200 if healthy else 503, content_type="application/json"
        )

    async def _metrics(self, request: web.Request) -> web.Response:
        counts = await self._checks.store.count_by_state()
        for state in JobState:
            JOBS.labels(state.value).set(counts.get(state, 0))
        QUEUE_DEPTH.set(counts.get(JobState.QUEUED, 0))
        return web.Response(body=generate_latest(REGISTRY), headers={"Content-Type": CONTENT_TYPE_LATEST})


async def _safely(check: Callable[[], Awaitable[int]]) -> bool:
    try:
        return await check() > 0
    except Exception:
        log.warning("store health check failed", exc_info=True)
        return False
