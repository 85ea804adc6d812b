"""``reelbot doctor``: check everything the bot needs, each with ✓ or ✗ and the fix.

It spends nothing: the provider key is checked by looking up a task id that cannot exist (an auth
error and "not found" are different answers).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from bot.config import Settings, load_settings
from bot.errors import ConfigError
from bot.provider import errors
from bot.provider.client import CogVideoClient
from bot.store import open_store

MESSAGE_CONTENT_FLAGS = (1 << 18) | (1 << 19)  # GATEWAY_MESSAGE_CONTENT, …_LIMITED
INVITE_PERMISSIONS = 274878024704  # see bot.app.INVITE_PERMISSIONS


@dataclass
class Check:
    """One line of the report."""

    ok: bool
    what: str
    fix: str = ""

    def line(self) -> str:
        """Render as ✓/✗ text."""
        text = f"{'✓' if self.ok else '✗'} {self.what}"
        return text + (f"\n    → {self.fix}" if self.fix else "")


async def run_doctor(out: Callable[[str], None], *, env_file: str = ".env") -> int:
    """Run every check, print each as it completes, return 0 only if all pass."""
    try:
        settings = load_settings(env_file=env_file)
    except ConfigError as exc:
        out(Check(False, "settings", str(exc)).line())
        return 1
    out(Check(True, "settings present and well-formed").line())
    results = [True]
    timeout = aiohttp.ClientTimeout(total=15, sock_connect=5)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        for check in (_discord, _provider):
            for result in await check(settings, session):
                results.append(result.ok)
                out(result.line())
    for result in (await _database(settings), _data_dir(settings.data_dir)):
        results.append(result.ok)
        out(result.line())
    return 0 if all(results) else 1


async def _discord(settings: Settings, session: aiohttp.ClientSession) -> list[Check]:
    headers = {"Authorization": f"Bot {settings.discord_token}"}
    base = settings.discord_api_base
    try:
        async with session.get(f"{base}/users/@me", headers=headers) as resp:
            me = await resp.json(content_type=None) if resp.status == 200 else None
            status = resp.status
        if me is None:
            fix = "copy the token again: Developer Portal → your app → Bot → Reset Token, into DISCORD_TOKEN"
            return [Check(False, f"Discord rejected DISCORD_TOKEN (HTTP {status})", fix)]
        async with session.get(f"{base}/oauth2/applications/@me", headers=headers) as resp:
            app = await resp.json(content_type=None)
    except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
        return [
            Check(
                False,
                f"Discord is not reachable at {base} ({type(exc).__name__})",
                "check the network, or DISCORD_API_BASE if you use a proxy",
            )
        ]
    checks = [Check(True, f"Discord token valid: logged in as {me.get('username')} (application {app.get('id')})")]
    has_intent = bool(int(app.get("flags") or 0) & MESSAGE_CONTENT_FLAGS)
    if settings.message_content_intent and not has_intent:
        checks.append(
            Check(
                False,
                "MESSAGE_CONTENT_INTENT=true but the app does not have the Message Content intent",
                "turn it on: Developer Portal → your app → Bot → Privileged Gateway Intents, "
                "or set MESSAGE_CONTENT_INTENT=false",
            )
        )
    else:
        needed = "on" if settings.message_content_intent else "not needed (mention replies see attached pictures)"
        checks.append(Check(True, f"intents: guilds, guild messages; message content {needed}"))
    url = (
        f"https://discord.com/oauth2/authorize?client_id={app.get('id')}&scope=bot+applications.commands"
        f"&permissions={INVITE_PERMISSIONS}"
    )
    checks.append(Check(True, f"invite link (scopes bot, applications.commands): {url}"))
    return checks


async def _provider(settings: Settings, session: aiohttp.ClientSession) -> list[Check]:
    async def no_wait(_: float) -> None:
        return None

    client = CogVideoClient(
        session,
        base_url=settings.video_api_base,
        api_key=settings.video_api_key,
        fetch_retries=0,
        timeout_s=15,
        sleep=no_wait,
    )
    where = settings.video_api_base
    try:
        await client.fetch("1")  # no task has this id: a valid key gets "not found", a bad one an auth error
    except errors.AuthFailed as exc:
        return [
            Check(
                False,
                f"the provider at {where} rejected VIDEO_API_KEY ({exc.code or exc.status})",
                "copy the key again from your 302.AI (or Zhipu) dashboard into VIDEO_API_KEY",
            )
        ]
    except (errors.ProviderUnreachable, errors.ProviderTimeout) as exc:
        return [
            Check(
                False,
                f"the provider is not reachable at {where} ({exc})",
                "check the network and VIDEO_API_BASE (https://api.302.ai/zhipu, https://api.302ai.cn/zhipu "
                "or https://open.bigmodel.cn)",
            )
        ]
    except errors.MalformedResponse as exc:
        return [
            Check(
                False,
                f"{where} answered, but not like the CogVideoX API ({exc})",
                "check VIDEO_API_BASE: it must be the base the /api/paas/v4/… paths follow",
            )
        ]
    except errors.ProviderError:
        pass  # "not found" (or another non-auth refusal of the made-up id): the key was accepted
    return [Check(True, f"provider reachable at {where}; VIDEO_API_KEY accepted"), _model_served(settings)]


def _model_served(settings: Settings) -> Check:
    """The default model must be one the provider at VIDEO_API_BASE serves (per the catalogue's bases)."""
    served = [m.name for m in settings.catalogue.offered(settings.video_api_base)]
    if settings.video_model in served:
        return Check(True, f"VIDEO_MODEL={settings.video_model} is served by {settings.video_api_base}")
    return Check(
        False,
        f"VIDEO_MODEL={settings.video_model} is not served by {settings.video_api_base}",
        f"set VIDEO_MODEL to one of {', '.join(served)} (`reelbot models` lists them), or change VIDEO_API_BASE",
    )


async def _database(settings: Settings) -> Check:
    try:
        store = await open_store(settings.database_url, migrate=False)
    except Exception as exc:  # noqa: BLE001 - any failure to open is the answer
        return Check(
            False,
            f"database not reachable ({type(exc).__name__}: {exc})",
            "check DATABASE_URL, and that the server is running and the folder exists",
        )
    try:
        version, latest = await store.schema_version(), store.latest_version()
        access = await store.schema_access() if version < latest else None
    finally:
        await store.close()
    if version > latest:
        return Check(
            False,
            f"database schema version {version} is newer than this reelbot knows ({latest})",
            "run the reelbot version that last migrated this database, or restore a backup made before it",
        )
    if access is not None and not access.may_create:
        if access.schema is None:
            return Check(
                False,
                "database reachable, but no schema on its search_path exists to create the tables in",
                "create the schema, or fix search_path for the database user",
            )
        return Check(
            False,
            f"database reachable, but its user may not create tables in schema {access.schema}",
            f"as the database's owner: GRANT CREATE ON SCHEMA {access.schema} TO {access.user}; "
            "or run `reelbot migrate` once as a user that may",
        )
    if version == 0:
        return Check(
            True,
            f"database reachable and empty: the schema will be created on first start ({store.dialect}; "
            "or now, with `reelbot migrate`)",
        )
    if version < latest:
        return Check(
            True,
            f"database reachable, schema at version {version} of {latest}: the bot migrates it on start "
            "(or now, with `reelbot migrate`)",
        )
    return Check(True, f"database reachable and migrated (schema version {version}, {store.dialect})")


def _data_dir(folder: Path) -> Check:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".doctor-") as probe:
            probe.write(b"ok")
    except OSError as exc:
        return Check(
            False,
            f"data folder {folder} is not writable ({exc.strerror})",
            "create it and give the bot's user write access, or point DATA_DIR elsewhere",
        )
    return Check(True, f"data folder {folder} is writable")
