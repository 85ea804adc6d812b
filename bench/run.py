"""reelbot benchmarks, side by side with a naive bot: ``python -m bench.run [--quick] [scenario …]``.

``make bench`` runs every scenario at full size; ``--quick`` (or BENCH_QUICK=1) runs smaller sizes for
a smoke run. Each scenario runs BENCH_RUNS times (default 3) against reelbot (``python -m bot run``) and
the naive bot (``python -m bench.naive``), with the same prompts, the same job durations and the same
provider faults for both in each run; every headline figure is the median over the runs of
reelbot ÷ naive. Exits non-zero when a target is missed. Method: docs/benchmarks.md.

Scenarios: burst, inflight, media, faults, multi (needs BENCH_DATABASE_URL or TEST_DATABASE_URL, a
PostgreSQL server), and the reelbot-only relay and startup.
"""

from __future__ import annotations

import asyncio
import math
import os
import random
import secrets
import statistics
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench import scenario, solo
from bench.scenario import Measured, Setup

MIB = 1024 * 1024
FAULT_MIX = (0.05, 0.10, 0.02)  # P(429 1302), P(500), P(a 60-s hang), per provider call


@dataclass(frozen=True)
class Sizes:
    burst: int
    burst_median: float
    warm: int
    inflight: int
    inflight_mean: float
    media: int
    media_window: float
    faults: int
    faults_mean: float
    multi: int
    multi_mean: float
    cap: float  # the longest a scenario waits for its jobs to end


FULL = Sizes(200, 30.0, 20, 1000, 60.0, 60, 15.0, 60, 20.0, 40, 20.0, 600.0)
QUICK = Sizes(60, 15.0, 10, 500, 20.0, 20, 5.0, 30, 10.0, 16, 10.0, 240.0)


def lognormal(rng: random.Random, n: int, median: float, sigma: float = 0.35) -> list[float]:
    return [rng.lognormvariate(math.log(median), sigma) for _ in range(n)]


def normal(rng: random.Random, n: int, mean: float, cv: float = 0.25) -> list[float]:
    return [max(0.2 * mean, rng.gauss(mean, cv * mean)) for _ in range(n)]


def setups(s: Sizes, run: int, database: str | None) -> dict[str, Setup]:
    """Every scenario of one run; the durations are drawn from a seed per scenario and run."""

    def rng(name: str) -> random.Random:
        return random.Random(f"{name}:{run}")

    spread = rng("media")  # one generator for the list: a fresh one per job would give every job the same duration
    media = [10.0 + s.media_window * spread.random() for _ in range(s.media)]  # 60 finishes within 15 s
    return {
        "burst": Setup(
            "burst", lognormal(rng("burst"), s.burst, s.burst_median), lognormal(rng("w"), s.warm, s.burst_median)
        ),
        "inflight": Setup(
            "inflight",
            normal(rng("inflight"), s.inflight, s.inflight_mean),
            normal(rng("w"), s.warm, s.inflight_mean),
            rate_limits=True,
        ),
        "media": Setup("media", media, media[: s.warm], video_size=6 * MIB, download_rate=3 * MIB, upload_rate=6 * MIB),
        "faults": Setup(
            "faults",
            normal(rng("faults"), s.faults, s.faults_mean),
            normal(rng("w"), s.warm, s.faults_mean),
            timeout=s.cap,
            faults=FAULT_MIX,
            fault_seed=run,
        ),
        "multi": Setup(
            "multi",
            normal(rng("multi"), s.multi, s.multi_mean),
            normal(rng("w"), s.warm, s.multi_mean),
            timeout=s.cap,
            video_size=8 * MIB,
            download_rate=3 * MIB,
            upload_rate=6 * MIB,
            processes=2,
            database=database,
        ),
    }


# (scenario, figure, unit, target, kind): kind "ratio" compares reelbot ÷ naive with the target;
# "abs" compares reelbot's own median; None shows the figure without a target.
ROWS: list[tuple[str, str, str, float | None, str | None]] = [
    ("burst", "ack p50", "ms", None, None),
    ("burst", "ack p99", "ms", 0.8, "ratio"),
    ("burst", "lag p50", "s", None, None),
    ("burst", "lag p95", "s", 0.7, "ratio"),
    ("burst", "polls/job", "", 0.5, "ratio"),
    ("burst", "edits/job", "", None, None),
    ("burst", "CPU", "s", None, None),
    ("burst", "not acked in 3 s", "", None, None),
    ("inflight", "ack p50", "ms", None, None),
    ("inflight", "ack p99", "ms", 0.5, "ratio"),
    ("inflight", "lag p95", "s", 0.7, "ratio"),
    ("inflight", "polls/job", "", None, None),
    ("inflight", "edits/job", "", None, None),
    ("inflight", "CPU", "s", 0.7, "ratio"),
    ("inflight", "RSS", "MiB", 200, "abs"),
    ("inflight", "429s", "", 0, "abs"),
    ("inflight", "not acked in 3 s", "", None, None),
    ("media", "lag p50", "s", None, None),
    ("media", "lag p95", "s", 0.7, "ratio"),
    ("faults", "time to end all", "s", 2.0, "ratio"),
    ("faults", "ended", "", None, None),
    ("multi", "lag p95", "s", None, None),
    ("multi", "resubmitted", "jobs", 0, "abs"),
    ("multi", "paid twice", "jobs", 0, "abs"),
    ("multi", "uploaded twice", "jobs", 0, "abs"),
    ("multi", "touched by two", "jobs", 0, "abs"),
]


def median(values: list[float]) -> float:
    clean = [v for v in values if not math.isnan(v)]
    return statistics.median(clean) if clean else float("nan")


def ratio(a: float, b: float) -> float:
    if math.isnan(a) or math.isnan(b):
        return float("nan")
    if b == 0:
        return 1.0 if a == 0 else float("inf")
    return a / b


def fmt(value: float) -> str:
    if math.isnan(value):
        return "—"
    if math.isinf(value):
        return "∞ (not acked in 3 s)" if value > 0 else "-∞"
    return f"{value:,.3g}" if abs(value) < 1000 else f"{value:,.0f}"


def table(results: dict[str, list[tuple[Measured, Measured]]], sizes: Sizes) -> tuple[list[str], int]:
    """The markdown table (medians over runs) and the number of targets missed."""
    lines = [
        "| scenario | figure | reelbot | naive | reelbot ÷ naive | target | met |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    missed = 0
    for name, figure, unit, target, kind in ROWS:
        if name not in results:
            continue
        runs = results[name]
        ours = median([r.figures()[figure] for r, _ in runs])
        theirs = median([n.figures()[figure] for _, n in runs])
        ratios = median([ratio(r.figures()[figure], n.figures()[figure]) for r, n in runs])
        # Where a bot left jobs unfinished, its time is the time waited: a lower bound (">").
        ours_bound = ">" if figure == "time to end all" and not all(r.finished_all for r, _ in runs) else ""
        theirs_bound = ">" if figure == "time to end all" and not all(n.finished_all for _, n in runs) else ""
        verdict, goal = "", "—"
        if kind is not None and target is not None:
            value = ratios if kind == "ratio" else ours
            goal = f"≤ {target:g}×" if kind == "ratio" else f"≤ {target:g} {unit}".strip()
            ok = not math.isnan(value) and value <= target and not ours_bound
            verdict = "✓" if ok else "✗ not met"
            missed += not ok
        label = f"{figure} ({unit})" if unit else figure
        ratio_bound = ours_bound if not theirs_bound else ("<" if not ours_bound else "~")
        shown = "—" if kind == "abs" else f"{ratio_bound}{fmt(ratios)}×"
        lines.append(
            f"| {name} ({describe(name, sizes)}) | {label} | {ours_bound}{fmt(ours)} | {theirs_bound}{fmt(theirs)} "
            f"| {shown} | {goal} | {verdict} |"
        )
    return lines, missed


def describe(name: str, s: Sizes) -> str:
    return {
        "burst": f"{s.burst} at once, lognormal median {s.burst_median:g} s σ 0.35",
        "inflight": f"{s.inflight} at once, {s.inflight_mean:g} s ± 25 %, Discord limits",
        "media": f"{s.media} jobs, 6 MiB, 3 MiB/s down, 6 MiB/s up",
        "faults": f"{s.faults} jobs of {s.faults_mean:g} s ± 25 %, 5 % 429, 10 % 5xx, 2 % 60-s hangs",
        "multi": f"2 processes on PostgreSQL, {s.multi} jobs of 8 MiB",
    }[name]


async def fresh_database() -> tuple[str, Callable[[], object]] | None:
    """A fresh schema on BENCH_DATABASE_URL (or TEST_DATABASE_URL); None when neither is set."""
    url = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    if not url:
        return None
    import asyncpg

    schema = f"bench_{secrets.token_hex(5)}"
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(f"CREATE SCHEMA {schema}")
    finally:
        await conn.close()

    async def drop() -> None:
        c = await asyncpg.connect(url)
        try:
            await c.execute(f"DROP SCHEMA {schema} CASCADE")
        finally:
            await c.close()

    return f"{url}?search_path={schema}", drop


async def compare(names: list[str], sizes: Sizes, runs: int, root: Path) -> dict[str, list[tuple[Measured, Measured]]]:
    results: dict[str, list[tuple[Measured, Measured]]] = {}
    for run in range(runs):
        for name in names:
            db = await fresh_database() if name == "multi" else None
            if name == "multi" and db is None:
                print("multi: skipped (set BENCH_DATABASE_URL or TEST_DATABASE_URL to a PostgreSQL server)")
                continue
            setup = setups(sizes, run, db[0] if db else None)[name]
            order = ("reelbot", "naive") if run % 2 == 0 else ("naive", "reelbot")  # cancel drift
            got: dict[str, Measured] = {}
            try:
                for kind in order:
                    work = root / f"run{run}" / kind
                    got[kind] = await scenario.run(kind, setup, work, lambda i, n=name, r=run: f"{n} {r} job {i}")
                    print(f"run {run + 1} {name} {kind}: {summary(got[kind])}", flush=True)
            finally:
                if db is not None:
                    await db[1]()  # type: ignore[misc]
            results.setdefault(name, []).append((got["reelbot"], got["naive"]))
    return results


def summary(m: Measured) -> str:
    f = m.figures()
    keys = ("ack p99", "lag p95", "polls/job", "edits/job", "CPU", "RSS", "429s", "touched by two")
    keys += ("resubmitted", "paid twice", "uploaded twice", "not acked in 3 s")
    end = (
        f"ended {m.ended}/{m.jobs} in {fmt(m.span_s)} s"
        if m.finished_all
        else f"ended {m.ended}/{m.jobs} in {m.limit_s:g} s"
    )
    return end + ", " + ", ".join(f"{k} {fmt(f[k])}" for k in keys)


async def main(argv: list[str]) -> int:
    quick = "--quick" in argv or os.environ.get("BENCH_QUICK") == "1"
    names = [a for a in argv if not a.startswith("-")] or ["burst", "inflight", "media", "faults", "multi"]
    if not [a for a in argv if not a.startswith("-")] and not quick:
        names += ["relay", "startup"]
    sizes = QUICK if quick else FULL
    runs = int(os.environ.get("BENCH_RUNS", "3"))
    print(f"mode: {'quick' if quick else 'full'}, {runs} runs, scenarios: {' '.join(names)}", flush=True)
    missed = 0
    with tempfile.TemporaryDirectory() as tmp:
        compared = [n for n in names if n not in ("relay", "startup")]
        results = await compare(compared, sizes, runs, Path(tmp))
        if results:
            lines, missed = table(results, sizes)
            print("\n" + "\n".join(lines), flush=True)
        if "relay" in names or "startup" in names:
            print("\n| measure | value | target |\n| --- | --- | --- |", flush=True)
        for name in ("relay", "startup"):
            if name in names:
                missed += await solo.SCENARIOS[name](Path(tmp) / name)
    print(f"\n{missed} target(s) missed", flush=True)
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main(sys.argv[1:])))
