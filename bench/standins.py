"""The test stand-ins, extended for benchmarks: a true burst, paced media, a provider fault mix, and
a record of which process touched which job.

Kept out of ``tests/standins`` so the tests' stand-ins stay small; every addition here is off by default.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from typing import Any

from aiohttp import web

from tests.standins.fake_discord import FakeDiscord, Interaction
from tests.standins.fake_video import TINY_MP4, FakeVideoAPI, padded_mp4

MIB = 1024 * 1024
CHUNK = 256 * 1024


def peer_port(request: web.Request) -> int:
    peer = request.transport.get_extra_info("peername") if request.transport else None
    return int(peer[1]) if peer else 0


class BenchDiscord(FakeDiscord):
    """FakeDiscord with a true burst, paced uploads and a count of uploads per message."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.upload_rate: float | None = None  # bytes/s an upload is held to; None: unpaced
        self.uploads: Counter[int] = Counter()  # message id -> requests that carried a file
        self.who: Callable[[int], str | None] | None = None  # a client's TCP port -> which bot process
        self.uploaders: defaultdict[int, set[str | None]] = defaultdict(set)  # message id -> processes
        self._held: list[dict[str, Any]] | None = None

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        if self._held is not None and event == "INTERACTION_CREATE":
            self._held.append(data)
            return
        await super().dispatch(event, data)

    async def burst(self, prompts: list[str]) -> tuple[float, list[Interaction]]:
        """Send one /video command per prompt, all at once; return the send time and the interactions.

        Every payload is built and serialised first; then the frames are written to the guild's gateway
        socket back to back, with no pause in between (the writer yields only if the socket's buffer is
        full, i.e. when the bot is not reading fast enough). Every interaction's ``created`` is that one
        moment, as when a crowd presses Enter together.
        """
        held: list[dict[str, Any]] = []
        self._held = held
        try:
            inters = [await self.slash("video", [{"name": "prompt", "type": 3, "value": p}]) for p in prompts]
        finally:
            self._held = None
        ws = next(ws for ws in self._sockets if self._owns_guild(ws))
        frames = []
        for data in held:
            self._seq += 1
            frames.append(json.dumps({"op": 0, "t": "INTERACTION_CREATE", "s": self._seq, "d": data}))
        sent = time.time()
        for inter in inters:
            inter.created = sent
        for frame in frames:
            await ws.send_str(frame)
        return sent, inters

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        multipart = request.content_type.startswith("multipart/")
        if multipart and self.upload_rate:
            # The body arrives as it is sent; the answer comes when the upload would have ended at the rate.
            await asyncio.sleep((request.content_length or 0) / self.upload_rate)
        response = await super()._rest(request)
        if multipart and response.status < 300:
            message_id = self._message_of("/" + request.match_info["tail"])
            if message_id is not None:
                self.uploads[message_id] += 1
                if self.who is not None:
                    self.uploaders[message_id].add(self.who(peer_port(request)))
        return response

    def _message_of(self, path: str) -> int | None:
        parts = path.split("/")
        if len(parts) > 3 and parts[1] == "webhooks":
            inter = self.interactions.get(parts[3])
            return inter.message_id if inter else None
        if len(parts) > 4 and parts[1] == "channels" and parts[4].isdigit():
            return int(parts[4])
        return None


class BenchVideo(FakeVideoAPI):
    """FakeVideoAPI with per-prompt durations, paced downloads of one video size, a fault mix, and a
    record of which API key (one per bot process) submitted and polled each task."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.keys: set[str] = {self.api_key}
        self.durations: dict[str, float] = {}  # prompt -> seconds; others use ``duration``
        self.video_size: int | None = None  # every video padded to this size; None: the tiny mp4
        self.download_rate: float | None = None  # bytes/s per download; None: unpaced
        self.faults: tuple[float, float, float] | None = None  # P(429), P(5xx), P(hang)
        self.hang_s = 60.0
        self.fault_seed = 0
        self.fault_counts: Counter[str] = Counter()
        self.submits_by_prompt: defaultdict[str, list[str]] = defaultdict(list)  # prompt -> keys, per submit
        self.pollers: defaultdict[str, set[str]] = defaultdict(set)  # task id -> keys that polled it
        self.who: Callable[[int], str | None] | None = None  # a client's TCP port -> which bot process
        self.downloaders: defaultdict[str, set[str | None]] = defaultdict(set)  # task id -> processes
        self._calls: Counter[tuple[str, str]] = Counter()
        self._video: bytes | None = None

    def _auth_ok(self, request: web.Request) -> bool:
        return request.headers.get("Authorization", "").removeprefix("Bearer ") in self.keys

    def _key(self, request: web.Request) -> str:
        return request.headers.get("Authorization", "").removeprefix("Bearer ")

    def _fault(self, prompt: str, kind: str) -> str | None:
        """Decide a fault for the n-th call of this kind for this prompt: the same for every bot."""
        if self.faults is None:
            return None
        self._calls[(prompt, kind)] += 1
        draw = random.Random(f"{self.fault_seed}:{prompt}:{kind}:{self._calls[(prompt, kind)]}").random()
        p429, p5xx, phang = self.faults
        fault = None
        for name, edge in (("429", p429), ("5xx", p429 + p5xx), ("hang", p429 + p5xx + phang)):
            if draw < edge:
                fault = name
                break
        if fault:
            self.fault_counts[fault] += 1
        return fault

    @staticmethod
    def _error(fault: str) -> web.Response:
        if fault == "429":
            body = {"error": {"code": "1302", "message": "Rate limit reached for requests"}}
            return web.json_response(body, status=429)
        return web.json_response({"error": {"code": "500", "message": "Internal server error"}}, status=500)

    async def _submit(self, request: web.Request) -> web.Response:
        if not self._auth_ok(request):
            return await super()._submit(request)
        body = await request.json()
        prompt = str(body.get("prompt", ""))
        fault = self._fault(prompt, "submit")
        if fault in ("429", "5xx"):
            return self._error(str(fault))
        self.submits_by_prompt[prompt].append(self._key(request))
        response = await super()._submit(request)
        task = next(reversed(self.tasks.values()), None)  # the one just created, if any
        if task is not None and task.request_id == str(body.get("request_id")) and prompt in self.durations:
            task.duration = self.durations[prompt]
        if fault == "hang":  # the task is created; its answer comes late
            await asyncio.sleep(self.hang_s)
        return response

    async def _result(self, request: web.Request) -> web.Response:
        key = request.match_info["id"]
        task = self.tasks.get(key) or next((t for t in self.tasks.values() if t.request_id == key), None)
        if task is not None and self._auth_ok(request):
            self.pollers[task.id].add(self._key(request))
            fault = self._fault(str(task.body.get("prompt", "")), "poll")
            if fault in ("429", "5xx"):
                return self._error(str(fault))
            if fault == "hang":
                await asyncio.sleep(self.hang_s)
        return await super()._result(request)

    async def _file(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["name"] == "cover.png" or (self.video_size is None and self.download_rate is None):
            return await super()._file(request)
        self.downloads += 1
        if self.who is not None:
            self.downloaders[request.match_info["name"].split("-")[0].split(".")[0]].add(self.who(peer_port(request)))
        if self.video_size is not None and (self._video is None or len(self._video) != self.video_size):
            self._video = padded_mp4(self.video_size)
        data = self._video if self.video_size is not None else TINY_MP4
        response = web.StreamResponse(headers={"Content-Type": "video/mp4"})
        response.content_length = len(data)
        await response.prepare(request)
        started = time.monotonic()
        for offset in range(0, len(data), CHUNK):
            await response.write(data[offset : offset + CHUNK])
            if self.download_rate:
                sent = min(len(data), offset + CHUNK)
                await asyncio.sleep(max(0.0, started + sent / self.download_rate - time.monotonic()))
        await response.write_eof()
        return response
