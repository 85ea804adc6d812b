"""The benchmark harness and the naive baseline bot start and finish a couple of jobs (no timing is asserted:
figures belong in docs/benchmarks.md, not in timed tests). Catches a broken bench in CI."""

from __future__ import annotations

from pathlib import Path

from bench import run as bench_run
from bench.scenario import Setup, run

FAST = {"POLL_MIN_INTERVAL": "0.1", "POLL_MAX_INTERVAL": "0.3", "PROGRESS_EDIT_INTERVAL": "0.5"}


async def test_both_bots_deliver_a_burst_through_the_harness(tmp_path: Path) -> None:
    # Two jobs as one burst, 1 MiB videos over paced links, to reelbot and to the naive bot.
    setup = Setup(
        "smoke",
        [0.3, 0.6],
        video_size=1024 * 1024,
        download_rate=8 * 1024 * 1024,
        upload_rate=16 * 1024 * 1024,
        timeout=60,
        env={**FAST, "NAIVE_POLL_SECONDS": "0.2"},
    )
    measured = {}
    for kind in ("naive", "reelbot"):
        m = await run(kind, setup, tmp_path / kind, lambda i: f"smoke job {i}")
        assert (m.jobs, m.ended, m.succeeded) == (2, 2, 2), kind
        assert len(m.ack_ms) == 2 and len(m.lag_s) == 2 and m.polls and m.cpu_s > 0 and m.rss_mib > 0, kind
        assert m.uploaded_twice == m.paid_twice == 0, kind
        assert m.video_bytes == [1024 * 1024] * 2, kind  # each reply carries the whole video
        measured[kind] = m
    lines, _ = bench_run.table({"burst": [(measured["reelbot"], measured["naive"])]}, bench_run.QUICK)
    assert sum(line.startswith("| burst") for line in lines) == sum(row[0] == "burst" for row in bench_run.ROWS)
