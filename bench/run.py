"""reelbot benchmarks: ``python -m bench.run`` (or ``make bench``). Exits non-zero when a target is missed.

Each scenario starts the real bot (``python -m bot run``) against the local Discord and CogVideoX
stand-ins over real sockets. Provider durations are drawn from a lognormal distribution (median 60 s)
and compressed in time by SCALE, with the bot's poll bounds compressed by the same factor, so that the
ratios (polls per job, lag relative to the poll interval) stay honest; lags are reported scaled back.
"""

from __future__ import annotations

import asyncio
import math
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bench.procstat import cpu_seconds, rss_mib
from tests.e2e.harness import BotProcess, bot_env
from tests.standins.fake_discord import FakeDiscord
from tests.standins.fake_video import FakeVideoAPI
from tests.standins.ratelimits import RateLimiter

SCALE = 4.0  # provider durations and the bot's timings run 4x faster than real
MEDIAN_S, SIGMA = 60.0, 0.2  # one option set's spread; see docs/benchmarks.md


@dataclass
class Result:
    """One measured figure and its target."""

    name: str
    value: float
    unit: str
    target: float | None = None
    lower_is_better: bool = True
    note: str = ""

    @property
    def ok(self) -> bool:
        if self.target is None:
            return True
        return self.value <= self.target if self.lower_is_better else self.value >= self.target

    def row(self) -> str:
        target = "—" if self.target is None else f"{'≤' if self.lower_is_better else '≥'} {self.target:g} {self.unit}"
        verdict = "" if self.target is None else ("✓" if self.ok else "✗")
        return f"| {self.name} | {self.value:.3g} {self.unit} | {target} | {verdict} | {self.note} |"


@dataclass
class Bench:
    results: list[Result] = field(default_factory=list)

    def add(self, *results: Result) -> None:
        for r in results:
            self.results.append(r)
            print(r.row(), flush=True)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))] if ordered else float("nan")


def lognormal(rng: random.Random) -> Callable[[], float]:
    return lambda: rng.lognormvariate(math.log(MEDIAN_S), SIGMA) / SCALE


async def start(
    workdir: Path, discord_api: FakeDiscord, video_api: FakeVideoAPI, *, scale: float = SCALE, **extra: str
) -> BotProcess:
    """Start the bot with its timings compressed by ``scale`` (1.0: real time)."""
    env = bot_env(
        workdir,
        discord_api,
        video_api,
        LOG_LEVEL="WARNING",
        GUILD_DAILY_BUDGET="100000",
        USER_HOURLY_LIMIT="100000",
        POLL_MIN_INTERVAL=str(2 / scale),
        POLL_MAX_INTERVAL=str(30 / scale),
        PROGRESS_EDIT_INTERVAL=str(30 / scale),
        JOB_DEADLINE_SECONDS=str(1200 / scale),
        **extra,
    )
    bot = BotProcess(workdir, env)
    await bot.start(discord_api)
    return bot


def finals(discord_api: FakeDiscord) -> dict[str, float]:
    """Return, per interaction token, when its reply first showed a final state."""
    out: dict[str, float] = {}
    for token, inter in discord_api.interactions.items():
        msg = discord_api.reply_to(inter)
        if msg is not None and msg.final_at is not None:
            out[token] = msg.final_at
    return out


async def burst(discord_api: FakeDiscord, n: int, prefix: str, gap_s: float = 0.002) -> list:
    """Send ``n`` commands 2 ms apart (the stand-in shares its event loop with the sender, so a gap lets it
    record acknowledgements as they arrive instead of after the whole burst)."""
    sent = []
    for i in range(n):
        sent.append(await discord_api.slash("video", [{"name": "prompt", "type": 3, "value": f"{prefix} {i}"}]))
        await asyncio.sleep(gap_s)
    return sent


def acks(interactions: list) -> list[float]:
    return [1000 * (i.acked_at - i.created) for i in interactions if i.acked_at is not None]


async def scenario_lag(bench: Bench, root: Path, rng: random.Random) -> None:
    """Ack latency for 200 commands; delivery lag and polls per job vs fixed 2-s and 5-s pollers."""
    discord_api, video_api = FakeDiscord(), FakeVideoAPI(duration_fn=lognormal(rng))
    await discord_api.start()
    await video_api.start()
    bot = await start(root / "lag", discord_api, video_api, PROVIDER_MAX_IN_FLIGHT="1000")
    try:
        warm = await burst(discord_api, 20, "warm-up")  # the schedule learns from finished jobs
        await discord_api.wait_for(lambda: len(finals(discord_api)) >= len(warm), timeout=120, what="warm-up")
        measured = await burst(discord_api, 200, "measured")
        await discord_api.wait_for(lambda: len(finals(discord_api)) >= 220, timeout=300, what="200 videos")
        ack = acks(measured)
        bench.add(
            Result("ack latency p50 (200-command burst)", pct(ack, 0.5), "ms"),
            Result("ack latency p99 (200-command burst)", pct(ack, 0.99), "ms", 100),
        )
        done = finals(discord_api)
        by_prompt = {str(t.body.get("prompt")): t for t in video_api.tasks.values()}
        lags, polls, durations = [], [], []
        for inter in measured:
            task = by_prompt.get(inter.prompt)
            if task is None or inter.token not in done:
                continue
            # Detection lag is schedule-bound and scales with time; delivery (download, upload, edit) does not.
            detected = task.seen_done_at or done[inter.token]
            lags.append((detected - (task.created + task.duration)) * SCALE + (done[inter.token] - detected))
            polls.append(task.polls)
            durations.append(task.duration * SCALE)
        bench.add(
            Result("reelbot delivery lag p50", pct(lags, 0.5), "s"),
            Result("reelbot delivery lag p95", pct(lags, 0.95), "s", 2.0),
            Result(
                "reelbot polls per job (mean)",
                statistics.mean(polls),
                "polls",
                note=f"median job {statistics.median(durations):.0f} s",
            ),
        )
        for interval in (2.0, 5.0):
            fixed_polls = [math.ceil(d / interval) for d in durations]
            fixed_lag = [math.ceil(d / interval) * interval - d for d in durations]
            bench.add(
                Result(f"fixed {interval:g}-s poller lag p95 (same durations)", pct(fixed_lag, 0.95), "s"),
                Result(f"fixed {interval:g}-s poller polls per job", statistics.mean(fixed_polls), "polls"),
            )
        ratio = statistics.mean(polls) / statistics.mean([math.ceil(d / 2.0) for d in durations])
        bench.add(Result("reelbot polls ÷ fixed 2-s poller polls", ratio, "×", 0.5))
        calls = [
            r for r in discord_api.requests if not r.path.startswith(("/users", "/oauth2", "/applications", "/gateway"))
        ]
        bench.add(Result("Discord calls per job", len(calls) / len(discord_api.interactions), "calls", 8))
    finally:
        await bot.stop()
        await discord_api.stop()
        await video_api.stop()


async def scenario_scale(bench: Bench, root: Path, rng: random.Random, jobs: int = 1000) -> None:
    """1,000 jobs in flight, in real time (CPU is only honest uncompressed): bot CPU, peak RSS, ack latency
    meanwhile, and 429s under Discord-like rate limits."""
    discord_api, video_api = FakeDiscord(), FakeVideoAPI(duration_fn=lambda: 300.0 * (1 + rng.random()))
    discord_api.rate_limits = RateLimiter()
    await discord_api.start()
    await video_api.start()
    bot = await start(root / "scale", discord_api, video_api, scale=1.0, PROVIDER_MAX_IN_FLIGHT=str(jobs))
    assert bot.proc is not None
    pid = bot.proc.pid
    try:
        await burst(discord_api, jobs, "load")
        await discord_api.wait_for(lambda: len(video_api.tasks) >= jobs, timeout=300, what="1000 jobs in flight")
        cpu0, t0 = cpu_seconds(pid), time.monotonic()
        probes = []
        for _ in range(20):
            await asyncio.sleep(1.0)
            probes += await burst(discord_api, 1, "probe")
        cpu = (cpu_seconds(pid) - cpu0) / (time.monotonic() - t0) * 100
        _, peak = rss_mib(pid)
        bench.add(
            Result(f"bot CPU with {jobs} jobs in flight (mean of 20 s)", cpu, "% of a core", 5),
            Result("bot peak RSS", peak, "MiB", 200),
            Result(f"ack latency p99 with {jobs} in flight", pct(acks(probes), 0.99), "ms", 150),
            Result(f"Discord 429s at {jobs} jobs in flight", discord_api.rate_limits.limited, "429s", 0),
        )
    finally:
        await bot.stop()
        await discord_api.stop()
        await video_api.stop()


async def scenario_relay(bench: Bench, root: Path) -> None:
    """A 95 MiB result is streamed to disk: the bot's RSS grows by at most 16 MiB."""
    discord_api, video_api = FakeDiscord(premium_tier=3), FakeVideoAPI(duration=0.5, big_size=95 * 1024 * 1024)
    await discord_api.start()
    await video_api.start()
    bot = await start(root / "relay", discord_api, video_api)
    assert bot.proc is not None
    try:
        await asyncio.sleep(2.0)
        before, _ = rss_mib(bot.proc.pid)
        peak = before
        inter = (await burst(discord_api, 1, "a big one [big]"))[0]
        while discord_api.reply_to(inter) is None or discord_api.reply_to(inter).final_at is None:  # type: ignore[union-attr]
            peak = max(peak, rss_mib(bot.proc.pid)[0])
            await asyncio.sleep(0.02)
        bench.add(
            Result(
                "RSS growth relaying a 95 MiB video",
                peak - before,
                "MiB",
                16,
                note="download streamed to disk; the upload is read from the file",
            )
        )
    finally:
        await bot.stop()
        await discord_api.stop()
        await video_api.stop()


async def scenario_startup(bench: Bench, root: Path, jobs: int = 1000) -> None:
    """Time from process start to connected, with 1,000 unfinished jobs in the store."""
    discord_api, video_api = FakeDiscord(), FakeVideoAPI(duration=3600)
    await discord_api.start()
    await video_api.start()
    workdir = root / "startup"
    bot = await start(workdir, discord_api, video_api, PROVIDER_MAX_IN_FLIGHT=str(jobs))
    try:
        await burst(discord_api, jobs, "waiting")
        await discord_api.wait_for(lambda: len(video_api.tasks) >= jobs, timeout=300, what="the jobs submitted")
        await bot.stop()
        started = time.monotonic()
        await bot.start(discord_api)
        bench.add(
            Result(
                f"start-up to gateway ready with {jobs} unfinished jobs",
                time.monotonic() - started,
                "s",
                note="includes Python and discord.py import",
            )
        )
    finally:
        await bot.stop()
        await discord_api.stop()
        await video_api.stop()


async def main(argv: list[str]) -> int:
    rng = random.Random(7)
    bench = Bench()
    print("| measure | value | target | | note |\n| --- | --- | --- | --- | --- |", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for name in ("lag", "scale", "relay", "startup"):
            (root / name).mkdir()
        if not argv or "lag" in argv:
            await scenario_lag(bench, root, rng)
        if not argv or "relay" in argv:
            await scenario_relay(bench, root)
        if not argv or "startup" in argv:
            await scenario_startup(bench, root)
        if not argv or "scale" in argv:
            await scenario_scale(bench, root, rng)
    missed = [r for r in bench.results if not r.ok]
    print(f"\n{len(bench.results) - len(missed)} met, {len(missed)} missed", flush=True)
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main(sys.argv[1:])))
