"""A small CogVideoX API (Zhipu paths, as the 302.AI relay exposes them) serving real small mp4s.

Behaviour is steered per job by words in the prompt:
``[reject]`` → 1301 at submit; ``[fail]`` → the task ends in FAIL; ``[big]`` → an 11 MiB video.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web

from tests.standins.serve import serve

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
TINY_MP4 = (FIXTURES / "tiny.mp4").read_bytes()
COVER_PNG = (FIXTURES / "cover.png").read_bytes()


def padded_mp4(total: int) -> bytes:
    """Return the small mp4 grown to ``total`` bytes with a trailing 'free' box (still valid)."""
    pad = total - len(TINY_MP4)
    return TINY_MP4 + pad.to_bytes(4, "big") + b"free" + bytes(pad - 8)


@dataclass
class Task:
    id: str
    request_id: str
    body: dict[str, Any]
    created: float
    duration: float
    outcome: str = "SUCCESS"
    big: bool = False
    polls: int = 0
    finished_at: float | None = None
    seen_done_at: float | None = None  # the first poll that answered SUCCESS or FAIL


@dataclass
class FakeVideoAPI:
    """POST …/videos/generations, GET …/async-result/{id}, GET /files/…"""

    api_key: str = "video-key-for-tests.0123456789"
    duration: float = 1.0
    tasks: dict[str, Task] = field(default_factory=dict)
    submits: list[dict[str, Any]] = field(default_factory=list)
    # Served first, in order: (status, error JSON), ("hang", seconds), ("html", status) or ("lost", status):
    # the task is created but the answer is a gateway's error page (the request landed, its answer was lost).
    submit_errors: list[tuple[Any, Any]] = field(default_factory=list)
    result_hangs: int = 0  # the next N result lookups hang for 2 s
    duration_fn: Any = None  # () -> seconds, to draw each task's duration (benchmarks); else ``duration``
    big_size: int = 11 * 1024 * 1024  # the size of a "[big]" video
    downloads: int = 0
    file_failures: int = 0  # the next N video downloads answer 403 (an expired signed URL)
    base: str = ""
    _ids: Any = field(default_factory=lambda: itertools.count(8868902201637896192))
    _runner: web.AppRunner | None = None

    async def start(self) -> str:
        app = web.Application(client_max_size=20 * 1024 * 1024)
        app.router.add_post("/api/paas/v4/videos/generations", self._submit)
        app.router.add_get("/api/paas/v4/async-result/{id}", self._result)
        app.router.add_get("/files/{name}", self._file)
        self._runner, self.base = await serve(app)
        return self.base

    async def stop(self) -> None:
        if self._runner:
            await self._runner.cleanup()

    def _auth_ok(self, request: web.Request) -> bool:
        return request.headers.get("Authorization") == f"Bearer {self.api_key}"

    async def _submit(self, request: web.Request) -> web.Response:
        if not self._auth_ok(request):
            return web.json_response(
                {"error": {"code": "1002", "message": "Authorization Token is invalid"}}, status=401
            )
        body = await request.json()
        self.submits.append(body)
        if self.submit_errors:
            kind, value = self.submit_errors.pop(0)
            if kind == "hang":  # answer too late for the client, but the task is created: it landed
                await asyncio.sleep(value)
            elif kind == "lost":  # as the real API would have answered, then the answer is lost
                known = any(t.request_id == str(body.get("request_id")) for t in self.tasks.values())
                if not known and "[reject]" not in str(body.get("prompt", "")):
                    self._create(body)
                return web.Response(status=value, text="<html>upstream timed out</html>", content_type="text/html")
            elif kind == "html":  # a gateway's error page instead of JSON
                return web.Response(
                    status=value, text="<html><body>502 Bad Gateway</body></html>", content_type="text/html"
                )
            else:
                return web.json_response(value, status=kind)
        prompt = str(body.get("prompt", ""))
        if "[reject]" in prompt:
            return web.json_response(
                {"error": {"code": "1301", "message": "系统检测到输入或生成内容可能包含不安全或敏感内容"}}, status=400
            )
        request_id = str(body.get("request_id"))
        if any(t.request_id == request_id for t in self.tasks.values()):
            return web.json_response(
                {"error": {"code": "1231", "message": f"You already have a request: {request_id}"}}, status=400
            )
        task = self._create(body)
        return web.json_response(
            {"model": body.get("model"), "id": task.id, "request_id": request_id, "task_status": "PROCESSING"}
        )

    def _create(self, body: dict[str, Any]) -> Task:
        prompt = str(body.get("prompt", ""))
        task = Task(
            str(next(self._ids)),
            str(body.get("request_id")),
            body,
            time.time(),
            self.duration_fn() if self.duration_fn else self.duration,
            outcome="FAIL" if "[fail]" in prompt else "SUCCESS",
            big="[big]" in prompt,
        )
        self.tasks[task.id] = task
        return task

    async def _result(self, request: web.Request) -> web.Response:
        if not self._auth_ok(request):
            return web.json_response(
                {"error": {"code": "1002", "message": "Authorization Token is invalid"}}, status=401
            )
        if self.result_hangs:
            self.result_hangs -= 1
            await asyncio.sleep(2)
        key = request.match_info["id"]
        task = self.tasks.get(key) or next((t for t in self.tasks.values() if t.request_id == key), None)
        if task is None:
            return web.json_response({"error": {"code": "1214", "message": "task not found"}}, status=404)
        task.polls += 1
        body: dict[str, Any] = {"model": task.body.get("model"), "id": task.id, "request_id": task.request_id}
        if time.time() - task.created < task.duration:
            body["task_status"] = "PROCESSING"
        else:
            task.finished_at = task.finished_at or time.time()
            task.seen_done_at = task.seen_done_at or time.time()
            body["task_status"] = task.outcome
            if task.outcome == "SUCCESS":
                name = f"{task.id}-big.mp4" if task.big else f"{task.id}.mp4"
                body["video_result"] = [
                    {"url": f"{self.base}/files/{name}", "cover_image_url": f"{self.base}/files/cover.png"}
                ]
        return web.Response(text=json.dumps(body), content_type="application/json")

    async def _file(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        if name == "cover.png":
            return web.Response(body=COVER_PNG, content_type="image/png")
        self.downloads += 1
        if self.file_failures:
            self.file_failures -= 1
            return web.Response(status=403, text="AccessDenied")
        data = padded_mp4(self.big_size) if name.endswith("-big.mp4") else TINY_MP4
        return web.Response(body=data, content_type="video/mp4")

    def submitted_request_ids(self) -> list[str]:
        return [str(b.get("request_id")) for b in self.submits]
