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


# What the real endpoint takes, per model, written from Zhipu's docs (not from our catalogue, so a test
# of the catalogue against it can fail): field -> allowed values (None: any value of the right type).
_V3_SIZES = ("1280x720", "720x1280", "1024x1024", "1920x1080", "1080x1920", "2048x1080", "3840x2160")
_V2_SIZES = ("720x480", "1024x1024", "1280x960", "960x1280", "1920x1080", "1080x1920", "2048x1080", "3840x2160")
_MOVE = ("auto", "small", "medium", "large")
_COG = {"quality": ("speed", "quality"), "fps": (30, 60), "duration": (5, 10), "with_audio": (True, False),
        "watermark_enabled": (True, False)}  # fmt: skip
ACCEPTS: dict[str, dict[str, Any]] = {
    "cogvideox-2": {**_COG, "size": _V2_SIZES, "images": (1,)},
    "cogvideox-3": {**_COG, "size": _V3_SIZES, "images": (1, 2)},
    "cogvideox-flash": {
        "duration": (5, 10),
        "with_audio": (True, False),
        "watermark_enabled": (True, False),
        "images": (1,),
    },
    "viduq1-text": {
        "size": ("1920x1080",),
        "duration": (5,),
        "style": ("general", "anime"),
        "aspect_ratio": ("16:9", "9:16", "1:1"),
        "movement_amplitude": _MOVE,
        "images": (),
    },
    "viduq1-image": {
        "size": ("1920x1080",),
        "duration": (5,),
        "movement_amplitude": _MOVE,
        "with_audio": (True, False),
        "images": (1,),
        "needs_image": True,
    },
    "viduq1-start-end": {
        "size": ("1920x1080",),
        "duration": (5,),
        "movement_amplitude": _MOVE,
        "with_audio": (True, False),
        "images": (2,),
        "needs_image": True,
    },
    "vidu2-image": {
        "size": ("1280x720", "720x480"),
        "duration": (4,),
        "movement_amplitude": _MOVE,
        "with_audio": (True, False),
        "images": (1,),
        "needs_image": True,
    },
    "vidu2-start-end": {
        "size": ("1280x720", "720x480"),
        "duration": (4,),
        "movement_amplitude": _MOVE,
        "with_audio": (True, False),
        "images": (2,),
        "needs_image": True,
    },
    "vidu2-reference": {
        "size": ("1280x720", "720x480"),
        "duration": (4,),
        "movement_amplitude": _MOVE,
        "aspect_ratio": ("16:9", "9:16", "1:1"),
        "with_audio": (True, False),
        "images": (1, 2, 3),
        "needs_image": True,
        "image_list": True,
    },
}
_ALWAYS = {"model", "prompt", "image_url", "request_id", "user_id"}


def refusal(body: dict[str, Any]) -> tuple[int, dict[str, Any]] | None:
    """Return the error the real API would answer ``body`` with (1211 unknown model, 1214 bad field), or None."""
    model = str(body.get("model"))
    rules = ACCEPTS.get(model)
    if rules is None:
        return 400, {"error": {"code": "1211", "message": f"模型不存在: {model}"}}

    def bad(field: str) -> tuple[int, dict[str, Any]]:
        return 400, {"error": {"code": "1214", "message": f"{field} 参数非法"}}

    image = body.get("image_url")
    images = [] if image is None else image if isinstance(image, list) else [image]
    if not body.get("prompt") and not images:
        return 400, {"error": {"code": "1214", "message": "prompt 与 image_url 不能同时为空"}}
    if len(images) not in (*rules["images"], *(() if rules.get("needs_image") else (0,))):
        return bad("image_url")
    if rules.get("image_list") and images and not isinstance(image, list):
        return bad("image_url")
    for name, value in body.items():
        if name in _ALWAYS:
            continue
        allowed = rules.get(name)
        if name in {"images", "needs_image", "image_list"} or allowed is None or value not in allowed:
            return bad(name)
    if len(images) == 2 and model == "cogvideox-3" and body.get("quality", "speed") != "speed":
        return bad("quality")  # first/last-frame mode supports only speed
    return None


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
    chats: list[dict[str, Any]] = field(default_factory=list)  # chat/completions bodies (✨ Enhance)
    file_failures: int = 0  # the next N video downloads answer 403 (an expired signed URL)
    video_size: int | None = None  # every (not "[big]") video padded to this size; None: the tiny mp4
    download_rate: float | None = None  # bytes/s a video download is paced to; None: at once
    cut_downloads: int = 0  # the next N video downloads stop halfway (the connection drops)
    download_ends: list[float] = field(default_factory=list)  # when each complete video download ended
    base: str = ""
    _ids: Any = field(default_factory=lambda: itertools.count(8868902201637896192))
    _runner: web.AppRunner | None = None

    async def start(self) -> str:
        app = web.Application(client_max_size=20 * 1024 * 1024)
        app.router.add_post("/api/paas/v4/videos/generations", self._submit)
        app.router.add_get("/api/paas/v4/async-result/{id}", self._result)
        app.router.add_get("/files/{name}", self._file)
        app.router.add_post("/api/paas/v4/chat/completions", self._chat)
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
        refused = refusal(body)
        if refused is not None:
            return web.json_response(refused[1], status=refused[0])
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

    async def _chat(self, request: web.Request) -> web.Response:
        """glm-4-flash: "[chat-fail]" in the prompt → 500; "[chat-slow]" → answers after 3 s."""
        if not self._auth_ok(request):
            return web.json_response(
                {"error": {"code": "1002", "message": "Authorization Token is invalid"}}, status=401
            )
        body = await request.json()
        self.chats.append(body)
        said = str(body["messages"][-1]["content"])
        if "[chat-fail]" in said:
            return web.json_response({"error": {"code": "500", "message": "internal error"}}, status=500)
        if "[chat-slow]" in said:
            await asyncio.sleep(3)
        answer = f"A cinematic shot of {said}, golden evening light, slow dolly-in, shallow depth of field"
        return web.json_response(
            {"model": body.get("model"), "choices": [{"index": 0, "message": {"role": "assistant", "content": answer}}]}
        )

    async def _file(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        if name == "cover.png":
            return web.Response(body=COVER_PNG, content_type="image/png")
        self.downloads += 1
        if self.file_failures:
            self.file_failures -= 1
            return web.Response(status=403, text="AccessDenied")
        data = padded_mp4(self.big_size) if name.endswith("-big.mp4") else self.video()
        if self.download_rate is None and not self.cut_downloads:
            self.download_ends.append(time.time())
            return web.Response(body=data, content_type="video/mp4")
        cut = self.cut_downloads > 0
        self.cut_downloads -= cut
        response = web.StreamResponse(headers={"Content-Type": "video/mp4"})
        response.content_length = len(data)
        await response.prepare(request)
        started, chunk = time.monotonic(), 64 * 1024
        for offset in range(0, len(data), chunk):
            if cut and offset >= len(data) // 2:
                assert request.transport is not None
                request.transport.close()  # the link drops: the bot has half the video
                return response
            if self.download_rate:  # this chunk leaves when the rate allows
                sent = min(len(data), offset + chunk)
                await asyncio.sleep(max(0.0, started + sent / self.download_rate - time.monotonic()))
            await response.write(data[offset : offset + chunk])
        self.download_ends.append(time.time())
        await response.write_eof()
        return response

    def video(self) -> bytes:
        """The mp4 a finished (not "[big]") task serves."""
        return padded_mp4(self.video_size) if self.video_size else TINY_MP4

    def submitted_request_ids(self) -> list[str]:
        return [str(b.get("request_id")) for b in self.submits]
