"""The CogVideoX client against a local server: errors typed, submits never blindly retried."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from bot.provider import errors
from bot.provider.client import CogVideoClient, VideoTooLarge
from bot.provider.errors import classify


@pytest.mark.parametrize(
    ("status", "body", "kind"),
    [
        (400, {"error": {"code": "1301", "message": "unsafe"}}, errors.ContentRejected),
        (400, {"error": {"code": "1214", "message": "bad size"}}, errors.InvalidRequest),
        (400, {"error": {"code": "1261", "message": "prompt too long"}}, errors.InvalidRequest),
        (401, {"error": {"code": "1002", "message": "token invalid"}}, errors.AuthFailed),
        (429, {"error": {"code": "1113", "message": "Insufficient balance"}}, errors.OutOfBalance),
        (200, {"error": {"err_code": -10004, "message": "balance", "message_cn": "余额不足"}}, errors.OutOfBalance),
        (401, {"error": {"err_code": -10001, "message": "no key"}}, errors.AuthFailed),
        (429, {"error": {"code": "1302", "message": "concurrency"}}, errors.RateLimited),
        (429, {"error": {"code": "1303", "message": "frequency"}}, errors.RateLimited),
        (429, {"error": {"code": "1305", "message": "overloaded"}}, errors.RateLimited),
        (429, {"error": {"code": "1121", "message": "locked"}}, errors.AccountProblem),
        (400, {"error": {"code": "1231", "message": "You already have a request"}}, errors.DuplicateRequest),
        (500, {"error": {"code": "500", "message": "internal"}}, errors.ServerError),
        (502, None, errors.ServerError),
        (404, None, errors.TaskNotFound),
    ],
)
def test_error_classification(status: int, body: Any, kind: type[errors.ProviderError]) -> None:
    err = classify(status, body)
    assert type(err) is kind


def test_rate_limits_carry_a_retry_after() -> None:
    err = classify(429, {"error": {"code": "1305"}})
    assert isinstance(err, errors.RateLimited) and 5 <= err.retry_after <= 30


Handler = Callable[[web.Request], Any]


@pytest.fixture
async def server() -> AsyncIterator[Callable[..., Any]]:
    runners: list[web.AppRunner] = []

    async def start(routes: dict[tuple[str, str], Handler]) -> str:
        app = web.Application()
        for (method, path), handler in routes.items():
            app.router.add_route(method, path, handler)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        runners.append(runner)
        return f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"  # type: ignore[union-attr]

    yield start
    for r in runners:
        await r.cleanup()


async def no_sleep(_: float) -> None:
    return None


async def client_for(session: aiohttp.ClientSession, base: str) -> CogVideoClient:
    return CogVideoClient(session, base_url=base, api_key="k" * 20, sleep=no_sleep, rand=lambda: 0.5)


SUBMIT = ("POST", "/api/paas/v4/videos/generations")
RESULT = ("GET", "/api/paas/v4/async-result/{id}")


async def test_submit_is_not_retried_after_a_server_error(server) -> None:
    calls = []

    async def submit(request: web.Request) -> web.Response:
        calls.append(await request.json())
        return web.json_response({"error": {"code": "500", "message": "oops"}}, status=500)

    base = await server({SUBMIT: submit})
    async with aiohttp.ClientSession() as session:
        client = await client_for(session, base)
        with pytest.raises(errors.ServerError):
            await client.submit({"model": "cogvideox-2", "prompt": "x", "request_id": "r1"})
    assert len(calls) == 1


async def test_a_submit_never_follows_a_redirect(server) -> None:
    """A 307/308 would make aiohttp POST the body again elsewhere (a second, possibly paid, request)."""
    calls: list[str] = []

    async def moved(request: web.Request) -> web.Response:
        calls.append("relay")
        raise web.HTTPTemporaryRedirect("/elsewhere")

    async def elsewhere(request: web.Request) -> web.Response:
        calls.append("elsewhere")
        return web.json_response({"id": "t1", "request_id": "r1", "task_status": "PROCESSING"})

    base = await server({SUBMIT: moved, ("POST", "/elsewhere"): elsewhere})
    async with aiohttp.ClientSession() as session:
        client = await client_for(session, base)
        with pytest.raises(errors.InvalidRequest, match="redirected"):
            await client.submit({"model": "cogvideox-2", "prompt": "x", "request_id": "r1"})
    assert calls == ["relay"]


async def test_submit_retries_only_when_the_connection_was_never_made(unused_tcp_port: int) -> None:
    async with aiohttp.ClientSession() as session:
        client = await client_for(session, f"http://127.0.0.1:{unused_tcp_port}")
        with pytest.raises(errors.ProviderUnreachable):
            await client.submit({"model": "cogvideox-2", "prompt": "x"})


async def test_submit_sends_the_key_and_returns_the_task(server) -> None:
    seen = {}

    async def submit(request: web.Request) -> web.Response:
        seen["auth"] = request.headers["Authorization"]
        return web.json_response({"id": "8868902201637896192", "request_id": "r1", "task_status": "PROCESSING"})

    base = await server({SUBMIT: submit})
    async with aiohttp.ClientSession() as session:
        status = await (await client_for(session, base)).submit({"model": "cogvideox-2"})
    assert seen["auth"] == "Bearer " + "k" * 20
    assert (status.task_id, status.status) == ("8868902201637896192", "PROCESSING")


async def test_fetch_retries_transient_errors_then_succeeds(server) -> None:
    answers = [
        web.Response(status=502, text="<html>bad gateway</html>"),
        web.json_response({"error": {"code": "1305"}}, status=429),
        web.json_response(
            {
                "task_status": "SUCCESS",
                "request_id": "r",
                "video_result": [{"url": "http://x/v.mp4", "cover_image_url": "http://x/c.png"}],
            }
        ),
    ]

    async def result(request: web.Request) -> web.Response:
        return answers.pop(0)

    base = await server({RESULT: result})
    async with aiohttp.ClientSession() as session:
        status = await (await client_for(session, base)).fetch("123")
    assert (status.task_id, status.status, status.video_url) == ("123", "SUCCESS", "http://x/v.mp4")
    assert answers == []


async def test_fetch_gives_up_after_bounded_retries(server) -> None:
    calls = []

    async def result(request: web.Request) -> web.Response:
        calls.append(1)
        return web.Response(status=200, text="<html>not json</html>", content_type="text/html")

    base = await server({RESULT: result})
    async with aiohttp.ClientSession() as session:
        with pytest.raises(errors.MalformedResponse):
            await (await client_for(session, base)).fetch("123")
    assert len(calls) == 4


async def test_fetch_does_not_retry_an_auth_failure(server) -> None:
    calls = []

    async def result(request: web.Request) -> web.Response:
        calls.append(1)
        return web.json_response({"error": {"code": "1002", "message": "bad key"}}, status=401)

    base = await server({RESULT: result})
    async with aiohttp.ClientSession() as session:
        with pytest.raises(errors.AuthFailed):
            await (await client_for(session, base)).fetch("123")
    assert len(calls) == 1


async def test_download_streams_and_stops_past_the_cap(server, tmp_path: Path) -> None:
    async def small(request: web.Request) -> web.Response:
        return web.Response(body=b"x" * 1000)

    async def chunked(request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse()  # no Content-Length: the cap is counted while streaming
        await resp.prepare(request)
        for _ in range(64):
            await resp.write(b"y" * 65536)
        return resp

    base = await server({("GET", "/small"): small, ("GET", "/big"): chunked})
    async with aiohttp.ClientSession() as session:
        client = await client_for(session, base)
        assert await client.download(f"{base}/small", tmp_path / "a.mp4", max_bytes=2000) == 1000
        with pytest.raises(VideoTooLarge):
            await client.download(f"{base}/big", tmp_path / "b.mp4", max_bytes=1_000_000)
    assert (tmp_path / "a.mp4").read_bytes() == b"x" * 1000
    assert not (tmp_path / "b.mp4").exists()


@pytest.mark.parametrize("code", ["1304", "1308"])
def test_daily_limit_and_usage_cap_stop_submitting_like_an_empty_balance(code: str) -> None:
    """1304/1308 pause the queue (the runner's OutOfBalance path: alert once, keep jobs), never a plain retry."""
    err = classify(429, {"error": {"code": code, "message": "limit"}})
    assert isinstance(err, errors.OutOfBalance) and isinstance(err, errors.UsageCapReached)


@pytest.mark.parametrize("code", ["1232", "1233"])
def test_task_not_found_codes_on_a_look_up(code: str) -> None:
    """A look-up answered with a "no such task" code is TaskNotFound, not a bad request."""
    assert type(classify(400, {"error": {"code": code}}, lookup=True)) is errors.TaskNotFound


async def test_a_gateway_html_404_or_405_on_a_look_up_is_not_task_not_found(server) -> None:
    """An HTML 404/405 from a proxy says nothing about the task: retried, never "not found"."""
    answers = [
        web.Response(status=405, text="<html>405 Not Allowed</html>", content_type="text/html"),
        web.Response(status=404, text="<html>404 Not Found</html>", content_type="text/html"),
        web.json_response({"task_status": "PROCESSING", "id": "123"}),
    ]

    async def result(request: web.Request) -> web.Response:
        return answers.pop(0)

    base = await server({RESULT: result})
    async with aiohttp.ClientSession() as session:
        status = await (await client_for(session, base)).fetch("123")
    assert status.status == "PROCESSING" and answers == []


async def test_watermark_is_the_operators_setting_and_only_for_models_that_take_it(server) -> None:
    """VIDEO_WATERMARK reaches CogVideoX bodies as watermark_enabled; Vidu bodies never get it; unset sends nothing."""
    bodies: list[dict[str, Any]] = []

    async def submit(request: web.Request) -> web.Response:
        bodies.append(await request.json())
        return web.json_response({"id": "1", "task_status": "PROCESSING"})

    base = await server({SUBMIT: submit})
    async with aiohttp.ClientSession() as session:
        off = CogVideoClient(session, base_url=base, api_key="k" * 20, watermark=False)
        await off.submit({"model": "cogvideox-3", "prompt": "x"})
        await off.submit({"model": "viduq1-text", "prompt": "x"})
        await (await client_for(session, base)).submit({"model": "cogvideox-3", "prompt": "x"})
    assert [b.get("watermark_enabled") for b in bodies] == [False, None, None]
    assert "watermark_enabled" not in bodies[1] and "watermark_enabled" not in bodies[2]
