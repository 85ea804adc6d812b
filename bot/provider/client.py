"""The two CogVideoX calls and the result download, over the application's shared session.

A submit is never retried blindly: only a connection that was never made is tried again here.
Any other doubt is left to the runner, which resubmits with the *same* request_id, so the provider
answers 1231 instead of starting a second paid job.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from bot.metrics import PROVIDER_ERRORS, PROVIDER_LATENCY
from bot.provider import errors
from bot.provider.catalogue import active
from bot.provider.streaming import GrowingFile

log = logging.getLogger(__name__)

SUBMIT_PATH = "/api/paas/v4/videos/generations"
RESULT_PATH = "/api/paas/v4/async-result/{id}"


@dataclass(frozen=True, slots=True)
class TaskStatus:
    """The provider's view of one task."""

    task_id: str
    status: str  # PROCESSING, SUCCESS or FAIL
    video_url: str | None = None
    cover_url: str | None = None
    detail: str = ""


class VideoTooLarge(Exception):
    """The result is larger than the cap the caller gave; nothing was kept."""

    def __init__(self, size: int) -> None:
        self.size = size
        super().__init__(f"video larger than cap ({size} bytes read)")


class CogVideoClient:
    """A small client for ``videos/generations`` and ``async-result``."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        base_url: str,
        api_key: str,
        timeout_s: float = 30.0,
        fetch_retries: int = 3,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rand: Callable[[], float] = random.random,
        watermark: bool | None = None,
    ) -> None:
        self._watermark = watermark  # the operator's VIDEO_WATERMARK; None: the provider's default
        self._session = session
        self._base = base_url.rstrip("/")
        self._headers = {"Authorization": f"Bearer {api_key}", "Content-Type": "application/json"}
        self._timeout = aiohttp.ClientTimeout(total=timeout_s, sock_connect=10)
        self._fetch_retries = fetch_retries
        self._sleep = sleep
        self._rand = rand

    async def submit(self, body: dict[str, object]) -> TaskStatus:
        """Create a generation task.

        Raises:
            ProviderError: a typed subclass; ProviderUnreachable only if the request never left.
        """
        spec = active().get(str(body.get("model")))
        if self._watermark is not None and spec is not None and spec.watermark:
            body = {**body, "watermark_enabled": self._watermark}  # an operator setting, never a member's
        for attempt in range(3):
            try:
                data = await self._request("POST", SUBMIT_PATH, json_body=body)
            except errors.ProviderUnreachable:
                if attempt == 2:
                    raise
                await self._sleep(self._backoff(attempt))
                continue
            return _task_status(data)
        raise AssertionError("unreachable")  # pragma: no cover

    async def fetch(self, task_id: str) -> TaskStatus:
        """Read a task's state, retrying transient failures a bounded number of times.

        Raises:
            ProviderError: a typed subclass once retries are spent, or at once when not retryable.
        """
        path = RESULT_PATH.format(id=task_id)
        for attempt in range(self._fetch_retries + 1):
            try:
                data = await self._request("GET", path, lookup=True)
            except errors.ProviderError as exc:
                if not exc.retryable or attempt == self._fetch_retries:
                    raise
                delay = exc.retry_after if isinstance(exc, errors.RateLimited) else self._backoff(attempt)
                log.warning("provider fetch of %s failed (%s); retry %d in %.1fs", task_id, exc, attempt + 1, delay)
                await self._sleep(delay)
                continue
            status = _task_status(data)
            return (
                status
                if status.task_id
                else TaskStatus(task_id, status.status, status.video_url, status.cover_url, status.detail)
            )
        raise AssertionError("unreachable")  # pragma: no cover

    async def download(
        self, url: str, dest: Path, *, max_bytes: int, follow: Callable[[GrowingFile], None] | None = None
    ) -> int:
        """Stream ``url`` to ``dest``; stop and delete it as soon as it passes ``max_bytes``.

        With ``follow``, once the provider has declared the size, it is handed a GrowingFile that tells
        readers how far the download has got (an upload can start at once: bot/provider/streaming.py).

        Raises:
            VideoTooLarge: the file is larger than ``max_bytes`` (declared or counted).
            ProviderError: the download failed (status, connection, timeout, or shorter than declared).
        """
        timeout = aiohttp.ClientTimeout(total=600, sock_connect=10, sock_read=60)
        growing: GrowingFile | None = None
        try:
            async with self._session.get(url, timeout=timeout) as resp:
                if resp.status != 200:
                    raise errors.classify(resp.status, None)
                if resp.content_length is not None and resp.content_length > max_bytes:
                    raise VideoTooLarge(resp.content_length)
                size = 0
                # Followed only when the declared size is the size of what is written: not a compressed body.
                plain = resp.headers.get("Content-Encoding", "identity").lower() == "identity"
                with open(dest, "wb") as out:  # noqa: ASYNC230 - 256 KiB writes between network reads
                    if follow is not None and resp.content_length and plain:
                        growing = GrowingFile(dest, resp.content_length)
                        follow(growing)
                    async for chunk in resp.content.iter_chunked(256 * 1024):
                        size += len(chunk)
                        if size > max_bytes:
                            raise VideoTooLarge(size)
                        out.write(chunk)  # small blocking writes; fine next to network reads
                        if growing is not None:
                            out.flush()  # every byte on disk before a follower, reading its own descriptor, is told
                            growing.wrote(len(chunk))
                if growing is not None and size != growing.size:
                    raise errors.ServerError(f"download ended at {size} of {growing.size} bytes")
                return size
        except BaseException as exc:  # too large, failed, short, or given up on (cancelled): nothing left behind
            _discard(dest, growing, exc)
            if isinstance(exc, TimeoutError):
                raise errors.ProviderTimeout("download timed out") from None
            if isinstance(exc, aiohttp.ClientError):
                raise errors.ServerError(f"download failed: {type(exc).__name__}") from None
            raise

    def _backoff(self, attempt: int) -> float:
        return float(min(0.5 * 2**attempt, 8.0) * (0.75 + 0.25 * self._rand()))

    async def _request(
        self, method: str, path: str, *, json_body: object = None, lookup: bool = False
    ) -> dict[str, Any]:
        call = "submit" if method == "POST" else "fetch"
        started = time.perf_counter()
        try:
            return await self._request_once(method, path, json_body=json_body, lookup=lookup)
        except errors.ProviderError as exc:
            PROVIDER_ERRORS.labels(call, exc.code or str(exc.status or type(exc).__name__)).inc()
            raise
        finally:
            PROVIDER_LATENCY.labels(call).observe(time.perf_counter() - started)

    async def _request_once(
        self, method: str, path: str, *, json_body: object = None, lookup: bool = False
    ) -> dict[str, Any]:
        url = self._base + path
        try:
            # A POST is never sent twice: a redirect is not followed (it would carry the body again).
            async with self._session.request(
                method,
                url,
                json=json_body,
                headers=self._headers,
                timeout=self._timeout,
                allow_redirects=method != "POST",
            ) as resp:
                raw = await resp.read()
                status = resp.status
                if 300 <= status < 400:
                    where = resp.headers.get("Location", "?")[:80]
                    raise errors.InvalidRequest(f"HTTP {status}: {method} redirected to {where}; check VIDEO_API_BASE")
        except aiohttp.ClientConnectorError as exc:
            raise errors.ProviderUnreachable(f"cannot connect: {type(exc).__name__}") from None
        except TimeoutError:
            raise errors.ProviderTimeout(f"{method} {path} timed out") from None
        except aiohttp.ClientError as exc:
            raise errors.ServerError(f"{method} {path}: {type(exc).__name__}") from None
        try:
            data = json.loads(raw)
        except ValueError:
            if status >= 400:  # a gateway's page (HTML 404/405 …) says nothing about the task
                raise errors.classify(status, None, lookup=lookup, gateway_page=True) from None
            raise errors.MalformedResponse(f"HTTP {status}, not JSON ({raw[:40]!r})") from None
        if status >= 400 or (isinstance(data, dict) and isinstance(data.get("error"), dict)):
            raise errors.classify(status, data, lookup=lookup)
        if not isinstance(data, dict):
            raise errors.MalformedResponse(f"HTTP {status}, JSON but not an object")
        return data


def _discard(path: Path, growing: GrowingFile | None, error: BaseException) -> None:
    """A download that did not finish: no file left behind, and no follower waits for the rest."""
    if growing is not None:
        growing.fail(error)
    path.unlink(missing_ok=True)


def _task_status(data: dict[str, Any]) -> TaskStatus:
    status = str(data.get("task_status") or "").upper()
    if status not in {"PROCESSING", "SUCCESS", "FAIL"}:
        raise errors.MalformedResponse(f"unknown task_status {status!r}")
    video = cover = None
    results = data.get("video_result")
    if isinstance(results, list) and results and isinstance(results[0], dict):
        video = results[0].get("url") or None
        cover = results[0].get("cover_image_url") or None
    if status == "SUCCESS" and not video:
        raise errors.MalformedResponse("SUCCESS without a video url")
    detail = ""
    if status == "FAIL":
        err = data.get("error")
        detail = str((err.get("message") if isinstance(err, dict) else None) or data.get("message") or "")[:200]
    return TaskStatus(str(data.get("id") or ""), status, video, cover, detail)
