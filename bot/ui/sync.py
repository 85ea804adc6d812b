"""Syncing application commands: only when Discord may lack them, and from one process only.

``reelbot run`` trusts a marker in DATA_DIR that names the application, the API base and a hash of
the commands it last synced there; in doubt (no marker, another application or base) it asks Discord
once and syncs only what differs. ``reelbot sync`` always compares with Discord and says what changed.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import discord
from discord.ext import commands

log = logging.getLogger(__name__)


@dataclass
class SyncReport:
    """What a sync changed."""

    scope: str
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    synced: bool = False

    def lines(self) -> list[str]:
        """Describe the report for a person."""
        head = f"commands {self.scope}: " + ("synced" if self.synced else "already up to date")
        marks = [
            ("+", self.added, "added"),
            ("-", self.removed, "removed"),
            ("~", self.changed, "changed"),
            ("=", self.unchanged, "unchanged"),
        ]
        return [head] + [f"  {sign} {name} ({what})" for sign, names, what in marks for name in sorted(names)]


def _canonical(cmd: dict[str, Any]) -> dict[str, Any]:
    """Keep what decides how a command looks and behaves, in a form both sides share."""

    def words(o: dict[str, Any]) -> dict[str, Any]:
        return {
            "description": o.get("description", ""),
            "name_localizations": o.get("name_localizations") or {},
            "description_localizations": o.get("description_localizations") or {},
        }

    def options(opts: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
        return [
            {
                "name": o["name"],
                "type": o["type"],
                **words(o),
                "required": bool(o.get("required", False)),
                "choices": [str(c["value"]) for c in o.get("choices") or []],
                "options": options(o.get("options")),
            }
            for o in opts or []
        ]

    perms = cmd.get("default_member_permissions")
    return {
        "type": cmd.get("type", 1),
        **words(cmd),
        "options": options(cmd.get("options")),
        "default_member_permissions": None if perms is None else str(perms),
        "contexts": sorted(cmd.get("contexts") or []),
        "integration_types": sorted(cmd.get("integration_types") or []),
    }


async def _local(
    bot: commands.Bot | commands.AutoShardedBot, guild: discord.abc.Snowflake | None
) -> dict[str, dict[str, Any]]:
    """Return the payload a sync would send (translations included), by command name."""
    if guild is not None:
        bot.tree.copy_global_to(guild=guild)
    cmds = bot.tree.get_commands(guild=guild)
    translator = bot.tree.translator
    if translator is None:
        return {c.name: c.to_dict(bot.tree) for c in cmds}
    return {c.name: await c.get_translated_payload(bot.tree, translator) for c in cmds}


async def _remote(bot: commands.Bot | commands.AutoShardedBot, app_id: int, guild_id: int | None) -> dict[str, Any]:
    """Return what Discord has for this application (and scope), translations included: one GET."""
    if guild_id:
        route = discord.http.Route(
            "GET", "/applications/{application_id}/guilds/{guild_id}/commands", application_id=app_id, guild_id=guild_id
        )
    else:
        route = discord.http.Route("GET", "/applications/{application_id}/commands", application_id=app_id)
    found = await bot.http.request(route, params={"with_localizations": "true"})
    return {c["name"]: dict(c) for c in found}


def _compare(report: SyncReport, local: dict[str, dict[str, Any]], remote: dict[str, Any]) -> None:
    report.added = sorted(n for n in local if n not in remote)
    report.removed = sorted(n for n in remote if n not in local)
    for name in sorted(set(local) & set(remote)):
        same = _canonical(local[name]) == _canonical(remote[name])
        (report.unchanged if same else report.changed).append(name)


@dataclass(frozen=True)
class _Marker:
    """What was last synced, and where: the same commands on another application are not synced."""

    application_id: str
    api_base: str
    digest: str

    @classmethod
    def read(cls, path: Path) -> _Marker | None:
        try:
            data = json.loads(path.read_text())
            return cls(str(data["application_id"]), str(data["api_base"]), str(data["digest"]))
        except (OSError, ValueError, TypeError, KeyError):
            return None  # none yet, or an older format: in doubt

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            json.dumps({"application_id": self.application_id, "api_base": self.api_base, "digest": self.digest})
        )


async def sync_commands(
    bot: commands.Bot | commands.AutoShardedBot,
    *,
    data_dir: Path,
    api_base: str,
    guild_id: int | None,
    force: bool,
) -> SyncReport:
    """Sync when Discord may not have these commands (always compare with ``force``); return what changed.

    The marker in ``data_dir`` names the application and API base the commands were last synced to.
    It matches: nothing to do. The same application with other commands: sync. Anything else (no
    marker, another application or base): ask Discord once and sync only if it differs.
    """
    app_id = bot.application_id
    if app_id is None:
        raise discord.app_commands.MissingApplicationID
    guild = discord.Object(id=guild_id) if guild_id else None
    scope = f"in guild {guild_id}" if guild_id else "global"
    local = await _local(bot, guild)
    digest = hashlib.sha256(json.dumps(local, sort_keys=True).encode()).hexdigest()
    name = f"commands-{guild_id or 'global'}"
    path = data_dir / f"{name}.json"
    current = _Marker(str(app_id), api_base, digest)
    previous = _Marker.read(path)
    same_target = previous is not None and (previous.application_id, previous.api_base) == (str(app_id), api_base)
    report = SyncReport(scope)
    if not force and previous == current:
        report.unchanged = sorted(local)
        log.info("application commands (%s) as last synced to application %s; not syncing", scope, app_id)
        return report
    needed = True
    if force or not same_target:
        try:
            _compare(report, local, await _remote(bot, app_id, guild_id))
            needed = bool(report.added or report.removed or report.changed)
        except discord.HTTPException as exc:
            if force:
                raise
            log.warning("could not read application %s's commands (%s); syncing them", app_id, exc.status)
    if needed:
        await bot.tree.sync(guild=guild)
        report.synced = True
        log.info("synced %d application commands to application %s (%s)", len(local), app_id, scope)
    else:
        log.info("application %s already has these commands (%s); not syncing", app_id, scope)
    current.write(path)
    (data_dir / f"{name}.sha256").unlink(missing_ok=True)  # the marker before it named its application
    return report
