"""One benchmark scenario run for one bot: start the stand-ins and the bot process(es), send a burst,
wait for every job to end, and measure what the member and the operator would see.

``kind`` is ``"reelbot"`` (``python -m bot run``) or ``"naive"`` (``python -m bench.naive``).
"""

from __future__ import annotations

import asyncio
import math
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bench.procstat import cpu_seconds, local_ports, rss_mib
from bench.standins import BenchDiscord, BenchVideo
from tests.e2e.harness import ROOT, BotProcess, bot_env
from tests.standins.fake_discord import Interaction
from tests.standins.ratelimits import RateLimiter

FINAL = ("✅", "❌", "⌛", "🚫")


def pct(values: list[float], q: float) -> float:
    """The q-quantile (nearest rank); NaN for no values."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))] if ordered else float("nan")


class NaiveProcess(BotProcess):
    """The naive baseline bot in its own process."""

    async def start(self, discord_api: object = None) -> None:
        assert isinstance(discord_api, BenchDiscord)
        discord_api.identified.clear()
        self.runs += 1
        env = {**os.environ, **self.env, "PYTHONPATH": str(ROOT)}
        log = self.log_path.open("ab")
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bench.naive", cwd=self.workdir, env=env,
            stdin=asyncio.subprocess.DEVNULL, stdout=log, stderr=log,
        )  # fmt: skip
        log.close()
        try:
            await asyncio.wait_for(discord_api.identified.wait(), 30)
        except TimeoutError:
            raise AssertionError(f"naive bot did not connect; log:\n{self.log()}") from None


@dataclass
class Setup:
    """What a scenario asks of the stand-ins and the bot."""

    name: str
    durations: list[float]  # one job per duration, sent as one burst
    warm: list[float] = field(default_factory=list)  # reelbot only: jobs run first so the schedule has history
    timeout: float = 600.0  # stop waiting after this long; unfinished jobs are reported
    rate_limits: bool = False  # Discord-like limits (per route, global 50/s for the bot token)
    video_size: int | None = None
    download_rate: float | None = None
    upload_rate: float | None = None
    faults: tuple[float, float, float] | None = None
    fault_seed: int = 0
    processes: int = 1  # reelbot only: >1 runs that many processes (shards) on ``database``
    database: str | None = None
    env: dict[str, str] = field(default_factory=dict)  # extra settings for either bot (tests: faster polls)


@dataclass
class Measured:
    """The figures of one run of one scenario with one bot."""

    jobs: int
    ended: int = 0
    succeeded: int = 0
    ack_ms: list[float] = field(default_factory=list)
    lag_s: list[float] = field(default_factory=list)
    polls: list[int] = field(default_factory=list)
    edits: list[int] = field(default_factory=list)
    cpu_s: float = 0.0
    rss_mib: float = 0.0
    limited: int = 0
    span_s: float = float("nan")  # first command to the last job's end
    limit_s: float = float("inf")  # how long the run waited for the jobs to end
    resubmitted: int = 0  # jobs whose submit request reached the provider more than once
    paid_twice: int = 0  # jobs with more than one provider task
    uploaded_twice: int = 0  # replies that received a video more than once
    touched_by_two: int = 0  # jobs polled or submitted by more than one process
    unacked: int = 0  # commands not acknowledged within Discord's 3 s (the member saw a failure)
    video_bytes: list[int] = field(default_factory=list)  # per delivered reply, the size of its attachments

    @property
    def finished_all(self) -> bool:
        return self.ended == self.jobs

    def figures(self) -> dict[str, float]:
        return {
            "ack p50": pct(self.ack_ms, 0.5),
            "ack p99": pct(self.ack_ms, 0.99),
            "lag p50": pct(self.lag_s, 0.5),
            "lag p95": pct(self.lag_s, 0.95),
            "polls/job": statistics.mean(self.polls) if self.polls else float("nan"),
            "edits/job": statistics.mean(self.edits) if self.edits else float("nan"),
            "CPU": self.cpu_s,
            "RSS": self.rss_mib,
            "429s": self.limited,
            # A lower bound (the time waited) when some jobs had not ended: see ``finished_all``.
            "time to end all": self.span_s if self.finished_all else self.limit_s,
            "ended": self.ended,
            "resubmitted": self.resubmitted,
            "paid twice": self.paid_twice,
            "uploaded twice": self.uploaded_twice,
            "touched by two": self.touched_by_two,
            "not acked in 3 s": self.unacked,
        }


def reelbot_env(workdir: Path, discord_api: BenchDiscord, video_api: BenchVideo, jobs: int, **extra: str) -> dict:
    """reelbot's settings for a benchmark: its default poll and edit timings, no budget or limit in the way."""
    env = bot_env(
        workdir,
        discord_api,
        video_api,
        LOG_LEVEL="WARNING",
        GUILD_DAILY_BUDGET="100000000",
        USER_HOURLY_LIMIT="100000",
        PROVIDER_MAX_IN_FLIGHT=str(max(jobs, 5)),
        POLL_MIN_INTERVAL="2",
        POLL_MAX_INTERVAL="30",
        PROGRESS_EDIT_INTERVAL="30",
    )
    env.update(extra)
    return env


async def start_bots(kind: str, setup: Setup, root: Path, discord_api: BenchDiscord, video_api: BenchVideo) -> list:
    jobs = len(setup.durations) + len(setup.warm)
    if kind == "naive":
        workdir = root / f"{setup.name}-naive"
        workdir.mkdir(parents=True)
        env = {
            "DISCORD_TOKEN": discord_api.bot_token,
            "DISCORD_API_BASE": discord_api.api_base,
            "DISCORD_GATEWAY_URL": f"{discord_api.base.replace('http', 'ws')}/gw",
            "VIDEO_API_BASE": video_api.base,
            "VIDEO_API_KEY": video_api.api_key,
            **setup.env,
        }
        bot: BotProcess = NaiveProcess(workdir, env)
        await bot.start(discord_api)
        return [bot]
    bots = []
    for index in range(setup.processes):
        workdir = root / f"{setup.name}-reelbot-{index}"
        workdir.mkdir(parents=True)
        extra: dict[str, str] = {}
        if setup.processes > 1:
            assert setup.database, "several processes need a PostgreSQL database"
            key = f"{video_api.api_key}-p{index}"  # the stand-in tells the processes apart by their key
            video_api.keys.add(key)
            extra = {"DATABASE_URL": setup.database, "SHARD_COUNT": str(setup.processes), "SHARD_IDS": str(index)}
            extra["VIDEO_API_KEY"] = key
        bot = BotProcess(workdir, reelbot_env(workdir, discord_api, video_api, jobs, **setup.env, **extra))
        await bot.start(discord_api)
        bots.append(bot)
    return bots


def ended(discord_api: BenchDiscord, inters: list[Interaction]) -> list[float]:
    """When each ended job's reply first showed a final state. A command not acknowledged within
    Discord's 3 s has ended too, for the member (Discord shows "The application did not respond")."""
    out = []
    for inter in inters:
        msg = discord_api.reply_to(inter)
        if msg is not None and msg.final_at is not None:
            out.append(msg.final_at)
        elif inter.acked_at is None and time.time() > inter.created + discord_api.ack_deadline:
            out.append(inter.created + discord_api.ack_deadline)
    return out


async def wait_all(discord_api: BenchDiscord, inters: list[Interaction], limit_s: float, pids: list[int]) -> float:
    """Wait until every job has ended (or ``limit_s`` has passed); return the bots' total CPU seconds by then."""
    deadline = time.monotonic() + limit_s
    while True:
        cpu = sum(cpu_seconds(p) for p in pids)
        if len(ended(discord_api, inters)) == len(inters) or time.monotonic() > deadline:
            return cpu
        await asyncio.sleep(0.2)


async def run(kind: str, setup: Setup, root: Path, prompt_of: Callable[[int], str]) -> Measured:
    """Run ``setup`` once against ``kind``; the same prompts and durations for either bot."""
    discord_api = BenchDiscord(guild_shard=(0, setup.processes) if kind == "reelbot" else (0, 1))
    video_api = BenchVideo()
    await discord_api.start()
    await video_api.start()
    bots: list[BotProcess] = []
    try:
        bots = await start_bots(kind, setup, root, discord_api, video_api)
        await asyncio.sleep(1.0)  # let the client settle after READY
        if kind == "reelbot" and setup.warm:
            warm_prompts = [f"warm-up {prompt_of(i)}" for i in range(len(setup.warm))]
            video_api.durations.update(zip(warm_prompts, setup.warm, strict=True))
            _, warm = await discord_api.burst(warm_prompts)
            await wait_all(discord_api, warm, setup.timeout, [])
        prompts = [prompt_of(i) for i in range(len(setup.durations))]
        video_api.durations.update(zip(prompts, setup.durations, strict=True))
        video_api.video_size, video_api.download_rate = setup.video_size, setup.download_rate
        video_api.faults, video_api.fault_seed = setup.faults, setup.fault_seed
        discord_api.upload_rate = setup.upload_rate
        if setup.rate_limits:
            discord_api.rate_limits = RateLimiter()
        pids = [b.proc.pid for b in bots if b.proc is not None]
        if len(pids) > 1:  # tell the processes' downloads and uploads apart by their sockets
            discord_api.who = video_api.who = lambda port: next(
                (f"p{i}" for i, pid in enumerate(pids) if port in local_ports(pid)), None
            )
        # CPU from just before the burst is written to the check (every 0.2 s) that sees the last job end.
        cpu0 = sum(cpu_seconds(p) for p in pids)
        sent, inters = await discord_api.burst(prompts)
        cpu = await wait_all(discord_api, inters, setup.timeout, pids) - cpu0
        measured = measure(discord_api, video_api, inters, sent)
        measured.cpu_s = cpu
        measured.limit_s = setup.timeout
        measured.rss_mib = max(rss_mib(p)[1] for p in pids)
        return measured
    finally:
        for bot in bots:
            await bot.stop()
        await discord_api.stop()
        await video_api.stop()


def measure(discord_api: BenchDiscord, video_api: BenchVideo, inters: list[Interaction], sent: float) -> Measured:
    out = Measured(jobs=len(inters))
    tasks_by_prompt: dict[str, list] = {}
    for task in video_api.tasks.values():
        tasks_by_prompt.setdefault(str(task.body.get("prompt")), []).append(task)
    ends: list[float] = []
    for inter in inters:
        if inter.acked_at is not None:
            out.ack_ms.append(1000 * (inter.acked_at - inter.created))
        else:  # refused by Discord after 3 s: an infinite latency in the percentiles
            out.ack_ms.append(float("inf"))
            out.unacked += 1
            out.ended += 1
            ends.append(inter.created + discord_api.ack_deadline)
            continue
        msg = discord_api.reply_to(inter)
        tasks = tasks_by_prompt.get(inter.prompt, [])
        out.paid_twice += len(tasks) > 1
        out.resubmitted += len(video_api.submits_by_prompt.get(inter.prompt, [])) > 1
        # Which processes submitted, polled, downloaded or uploaded the job (keys are p0, p1, …).
        keys = {k.rsplit("-", 1)[-1] for k in video_api.submits_by_prompt.get(inter.prompt, [])}
        for task in tasks:
            keys |= {k.rsplit("-", 1)[-1] for k in video_api.pollers.get(task.id, set())}
            keys |= {k for k in video_api.downloaders.get(task.id, set()) if k}
            out.polls.append(task.polls)
        if msg is not None:
            keys |= {k for k in discord_api.uploaders.get(msg.id, set()) if k}
        out.touched_by_two += len(keys) > 1
        if msg is None or msg.final_at is None:
            continue
        out.ended += 1
        ends.append(msg.final_at)
        out.edits.append(msg.edits_by_token + msg.edits_by_bot)
        out.uploaded_twice += discord_api.uploads.get(msg.id, 0) > 1
        out.video_bytes.append(sum(len(data) for data in msg.files.values()))
        if msg.title.startswith("✅") and tasks:
            out.succeeded += 1
            task = tasks[0]
            out.lag_s.append(msg.final_at - (task.created + task.duration))
    out.limited = discord_api.rate_limits.limited if discord_api.rate_limits else 0
    out.span_s = max(ends) - sent if ends else float("nan")
    return out
