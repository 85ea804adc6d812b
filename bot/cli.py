"""The command line: ``reelbot run | doctor | try | sync | migrate | models``.

Start-up problems end in one clear line and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import discord

from bot import __version__
from bot.config import DEFAULT_VIDEO_API_BASE, Settings, load_catalogue, load_settings
from bot.errors import ConfigError
from bot.logs import setup_logging
from bot.models import VideoOptions, format_credits
from bot.provider.catalogue import OPTION_NAMES, Catalogue

log = logging.getLogger("reelbot")

EPILOG = "Settings come from the environment and .env; see .env.example. `reelbot COMMAND --help` for more."


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="reelbot",
        epilog=EPILOG,
        description="A Discord bot that turns prompts and pictures into short CogVideoX videos, "
        "within a per-server budget.",
    )
    parser.add_argument("--version", action="version", version=f"reelbot {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.add_parser("run", help="run the bot (the default)", description="Connect to Discord and serve commands.")
    sub.add_parser(
        "doctor",
        help="check settings, tokens, the provider, the database and the data folder",
        description="Check everything the bot needs, each with ✓ or ✗ and the fix. Spends nothing. "
        "Exits 0 only when every check passes.",
    )
    trying = sub.add_parser(
        "try",
        help="make one video from the terminal (spends credits)",
        description="Generate one video through the same code the bot uses, show its "
        "progress, save the mp4 and print the cost. This spends credits on "
        "your provider account.",
    )
    trying.add_argument("prompt", help="what the video should show (up to 512 characters)")
    trying.add_argument("--image", type=Path, help="a picture to animate (PNG, JPEG, WebP or GIF)")
    trying.add_argument("--model", help="default: VIDEO_MODEL (`reelbot models` lists them)")
    trying.add_argument("--size", help="WIDTHxHEIGHT, one the model takes")
    trying.add_argument("--duration", type=int, help="seconds, one the model takes")
    trying.add_argument("--fps", type=int)
    trying.add_argument("--quality", help="quality or speed, for models that take it")
    trying.add_argument("--with-audio", action="store_true", help="add AI sound effects")
    trying.add_argument("--last-image", type=Path, help="with --image: the last frame (cogvideox-3, *-start-end)")
    trying.add_argument("--style", help="Vidu Q1 text: general or anime")
    trying.add_argument("--aspect-ratio", help="Vidu: 16:9, 9:16 or 1:1")
    trying.add_argument("--movement-amplitude", help="Vidu: auto, small, medium or large")
    trying.add_argument("--out", type=Path, help="where to save the mp4 (default: ./reelbot-<job>.mp4)")
    trying.add_argument("--yes", action="store_true", help="do not ask before spending credits")
    syncing = sub.add_parser(
        "sync",
        help="sync the slash commands and say what changed",
        description="Sync the application commands, globally or to one server, and list "
        "what was added, removed or changed. `reelbot run` syncs by itself "
        "when the commands change; use this after an upgrade or to test.",
    )
    syncing.add_argument(
        "--guild", type=int, metavar="ID", help="sync to this server only (default: DEV_GUILD_ID, else global)"
    )
    sub.add_parser(
        "models",
        help="list the video models as the bot sees them (shipped catalogue + MODELS_FILE)",
        description="Print every model in the catalogue: what it makes videos from, its options, price, "
        "and whether VIDEO_API_BASE serves it. Needs no tokens; a broken MODELS_FILE is named line by line.",
    )
    sub.add_parser(
        "migrate",
        help="apply database migrations and print the schema version",
        description="Create or upgrade the database named by DATABASE_URL.",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the process exit code."""
    args = _parser().parse_args(argv)
    command = args.command or "run"
    if command == "doctor":
        from bot.doctor import run_doctor

        return asyncio.run(run_doctor(print))
    if command == "models":
        return _models()
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"reelbot: {exc}", file=sys.stderr)
        return 2
    setup_logging(settings.log_level if command == "run" else "WARNING", settings.secrets(), fmt=settings.log_format)
    if command == "try" and (refused := _confirm_spending(settings, args)) is not None:
        return refused
    handlers: dict[str, Callable[[], Coroutine[Any, Any, int]]] = {
        "run": lambda: _run(settings),
        "try": lambda: _try(settings, args),
        "sync": lambda: _sync(settings, args.guild),
        "migrate": lambda: _migrate(settings),
    }
    try:
        with contextlib.suppress(KeyboardInterrupt):
            return asyncio.run(handlers[command]())
        return 0
    except ConfigError as exc:
        print(f"reelbot: {exc}", file=sys.stderr)
    except discord.LoginFailure:
        print(
            "reelbot: Discord rejected DISCORD_TOKEN. Copy the token again from the Developer Portal "
            "(your app → Bot → Reset Token) into .env.",
            file=sys.stderr,
        )
    except discord.PrivilegedIntentsRequired:
        print(
            "reelbot: MESSAGE_CONTENT_INTENT=true, but the Message Content intent is off for this app. "
            "Turn it on in the Developer Portal (your app → Bot → Privileged Gateway Intents) or set "
            "MESSAGE_CONTENT_INTENT=false.",
            file=sys.stderr,
        )
    return 2


async def _run(settings: Settings) -> int:
    from bot.app import run

    await run(settings)
    return 0


def _try_options(settings: Settings, args: argparse.Namespace) -> VideoOptions:
    return VideoOptions(
        model=args.model or settings.video_model,
        size=args.size,
        duration=args.duration,
        fps=args.fps,
        quality=args.quality,
        with_audio=args.with_audio,
        style=args.style,
        aspect_ratio=args.aspect_ratio,
        movement_amplitude=args.movement_amplitude,
    )


def _confirm_spending(settings: Settings, args: argparse.Namespace) -> int | None:
    """Say what `try` will spend and ask (unless --yes); return an exit code to stop, or None to go on."""
    for path in (args.image, args.last_image):
        if path is not None and not path.is_file():
            print(f"reelbot: {path} is not a file.", file=sys.stderr)
            return 2
    if args.last_image is not None and args.image is None:
        print("reelbot: --last-image needs --image (the first frame).", file=sys.stderr)
        return 2
    options = _try_options(settings, args)
    spec = settings.catalogue.get(options.model)
    price = spec.price if spec is not None and spec.price is not None else settings.price_per_video
    print(
        f"This makes one {options.summary()} video and spends about {format_credits(price)} "
        f"credits on your provider account ({settings.video_api_base})."
    )
    if args.yes:
        return None
    if not sys.stdin.isatty():
        print("reelbot: not asking without a terminal; add --yes to go ahead.", file=sys.stderr)
        return 2
    if input("Go ahead? [y/N] ").strip().lower() not in {"y", "yes"}:
        print("Nothing was spent.")
        return 1
    return None


def _echo(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


async def _try(settings: Settings, args: argparse.Namespace) -> int:
    from bot.tryout import TryRequest, run_try

    request = TryRequest(
        prompt=args.prompt,
        options=_try_options(settings, args),
        image=args.image,
        out=args.out,
        last_image=args.last_image,
    )
    return await run_try(settings, request, write=_echo)


async def _sync(settings: Settings, guild_id: int | None) -> int:
    import aiohttp

    from bot.app import ReelBot, configure_discord_endpoints
    from bot.store import open_store
    from bot.ui.sync import sync_commands

    async with aiohttp.ClientSession() as session:
        store = await open_store(settings.database_url)
        try:
            await configure_discord_endpoints(settings, session)
            async with ReelBot(settings, session, store, serve=False) as bot:
                await bot.login(settings.discord_token)
                report = await sync_commands(
                    bot,
                    data_dir=settings.data_dir,
                    api_base=settings.discord_api_base,
                    guild_id=guild_id or settings.dev_guild_id,
                    force=True,
                )
        finally:
            await store.close()
    print("\n".join(report.lines()))
    return 0


def _models() -> int:
    """Print the catalogue; only MODELS_FILE, VIDEO_API_BASE, VIDEO_MODEL and PRICE_PER_VIDEO are read."""
    from bot.config import env_with_dotenv

    env = env_with_dotenv()
    try:
        catalogue = load_catalogue(Path(env["MODELS_FILE"]) if env.get("MODELS_FILE", "").strip() else None)
    except ConfigError as exc:
        print(f"reelbot: {exc}", file=sys.stderr)
        return 2
    base = (env.get("VIDEO_API_BASE") or "").strip() or DEFAULT_VIDEO_API_BASE
    default_price = (env.get("PRICE_PER_VIDEO") or "").strip() or "0.1"
    default_model = (env.get("VIDEO_MODEL") or "").strip() or "cogvideox-2"
    print("\n".join(_catalogue_lines(catalogue, base, default_model, default_price)))
    return 0


def _catalogue_lines(catalogue: Catalogue, base: str, default_model: str, default_price: str) -> list[str]:
    offered = {m.name for m in catalogue.offered(base)}
    lines = [f"{len(catalogue.models)} models; VIDEO_API_BASE={base} serves {len(offered)}; default {default_model}"]
    for spec in catalogue.models.values():
        mark = "*" if spec.name == default_model else " "
        served = "" if spec.name in offered else "   (not served by this VIDEO_API_BASE)"
        price = format_credits(spec.price) if spec.price is not None else f"{default_price} (PRICE_PER_VIDEO)"
        lines.append(f"{mark} {spec.name:<18} {spec.label}{served}")
        lines.append(f"    from: {', '.join(spec.modes)}; pictures: up to {spec.images.max}; price: {price} credits")
        options = [
            f"{name} {'/'.join(spec.allowed(name))}"
            for name in OPTION_NAMES
            if name != "with_audio" and spec.allowed(name)
        ]
        if spec.audio:
            options.append("with_audio")
        lines.append(f"    options: {'; '.join(options) or 'none'}")
        if spec.start_end_qualities:
            lines.append(f"    first+last frame: quality {'/'.join(spec.start_end_qualities)} only")
        lines.append(f"    provider price: {spec.list_price or '?'}; usual time: {spec.prior_s:.0f} s")
    lines.append("Forbiddable per server (/reelbot-mod models): " + ", ".join(catalogue.expensive))
    return lines


async def _migrate(settings: Settings) -> int:
    from bot.store import open_store

    store = await open_store(settings.database_url, migrate=False)
    try:
        before = await store.schema_version()
        after = await store.migrate()
    finally:
        await store.close()
    change = "already up to date" if before == after else f"migrated from version {before}"
    print(f"database schema version {after} ({store.dialect}; {change})")
    return 0
