"""Start the real bot (``python -m bot run``, unmodified discord.py) against the local stand-ins."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from tests.standins.fake_discord import FakeDiscord
from tests.standins.fake_video import FakeVideoAPI

ROOT = Path(__file__).resolve().parents[2]


class BotProcess:
    """The bot in its own process, as an operator runs it."""

    def __init__(self, workdir: Path, env: dict[str, str]) -> None:
        self.workdir = workdir
        self.env = env
        self.log_path = workdir / "bot.log"
        self.proc: asyncio.subprocess.Process | None = None
        self.runs = 0

    async def start(self, discord_api: FakeDiscord | None = None) -> None:
        """Start the process; with ``discord_api``, wait until it has identified on the gateway."""
        if discord_api is not None:
            discord_api.identified.clear()
        self.runs += 1
        env = {**os.environ, **self.env, "PYTHONPATH": str(ROOT)}
        log = self.log_path.open("ab")
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            cwd=self.workdir,
            env=env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=log,
            stderr=log,
        )
        log.close()
        if discord_api is not None:
            try:
                await asyncio.wait_for(discord_api.identified.wait(), 30)
            except TimeoutError:
                raise AssertionError(f"bot did not connect; log:\n{self.log()}") from None

    async def wait_exit(self, timeout: float = 30) -> int:
        assert self.proc is not None
        return await asyncio.wait_for(self.proc.wait(), timeout)

    async def kill(self) -> None:
        """SIGKILL: no clean-up runs, as in a crash or an OOM kill."""
        if self.proc and self.proc.returncode is None:
            self.proc.send_signal(signal.SIGKILL)
            await self.proc.wait()

    async def stop(self) -> None:
        if self.proc and self.proc.returncode is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                await asyncio.wait_for(self.proc.wait(), 10)
            except TimeoutError:
                await self.kill()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


def bot_env(workdir: Path, discord_api: FakeDiscord, video_api: FakeVideoAPI, **extra: str) -> dict[str, str]:
    """The environment an operator would set, pointed at the stand-ins, with time compressed."""
    env = {
        "DISCORD_TOKEN": discord_api.bot_token,
        "DISCORD_API_BASE": discord_api.api_base,
        "VIDEO_API_KEY": video_api.api_key,
        "VIDEO_API_BASE": video_api.base,
        "DATABASE_URL": f"sqlite:///{workdir / 'reelbot.sqlite3'}",
        "DATA_DIR": str(workdir / "data"),
        "POLL_MIN_INTERVAL": "0.1",
        "POLL_MAX_INTERVAL": "0.3",
        "PROGRESS_EDIT_INTERVAL": "0.5",
        "LOG_LEVEL": "DEBUG",
    }
    env.update(extra)
    return env


def jobs_in_db(workdir: Path) -> list[dict[str, object]]:
    """Read the bot's jobs straight from its SQLite file (read-only)."""
    import sqlite3

    path = workdir / "reelbot.sqlite3"
    if not path.exists():
        return []
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute("SELECT * FROM jobs ORDER BY created_at")]
    except sqlite3.OperationalError:
        return []
    finally:
        conn.close()


async def wait_until(predicate, timeout: float = 30.0, what: str = "") -> object:
    """Poll ``predicate`` (for state outside the stand-ins, like the bot's database)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


async def cli(workdir: Path, env: dict[str, str], *args: str) -> tuple[int, str]:
    """Run ``python -m bot ARGS`` with only ``env`` for settings; return its exit code and output."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "VIDEO_", "DATABASE_"))}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        cwd=workdir,
        env={**clean, **env, "PYTHONPATH": str(ROOT)},
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(proc.communicate(), 60)
    return proc.returncode or 0, out.decode()
