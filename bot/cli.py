"""``reelbot run`` (the default). Start-up problems end in one clear line, never a traceback."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import sys

import discord

from bot import __version__
from bot.config import load_settings
from bot.errors import ConfigError
from bot.logs import setup_logging

log = logging.getLogger("reelbot")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="reelbot",
        description="A Discord bot that turns prompts and pictures into short CogVideoX videos.",
    )
    parser.add_argument("--version", action="version", version=f"reelbot {__version__}")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="run the bot (the default)")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the process exit code."""
    args = _parser().parse_args(argv)
    if args.command in (None, "run"):
        return _run()
    return 2  # pragma: no cover - argparse rejects unknown commands first


def _run() -> int:
    from bot.app import run

    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"reelbot: {exc}", file=sys.stderr)
        return 2
    setup_logging(settings.log_level, settings.secrets())
    try:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(run(settings))
    except ConfigError as exc:
        print(f"reelbot: {exc}", file=sys.stderr)
        return 2
    except discord.LoginFailure:
        print(
            "reelbot: Discord rejected DISCORD_TOKEN. Copy the token again from the Developer Portal "
            "(your app → Bot → Reset Token) into .env.",
            file=sys.stderr,
        )
        return 2
    except discord.PrivilegedIntentsRequired:
        print(
            "reelbot: MESSAGE_CONTENT_INTENT=true, but the Message Content intent is off for this app. "
            "Turn it on in the Developer Portal (your app → Bot → Privileged Gateway Intents) or set "
            "MESSAGE_CONTENT_INTENT=false.",
            file=sys.stderr,
        )
        return 2
    return 0
