"""Syncing application commands: only when they changed, and from one process only.

``reelbot run`` syncs when the local command payload differs from the last one it synced (a hash in
DATA_DIR); ``reelbot sync`` compares with what Discord has and says what changed.
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

    def options(opts: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
        return [
            {
                "name": o["name"],
                "type": o["type"],
                "description": o.get("description", ""),
                "required": bool(o.get("required", False)),
                "choices": [str(c["value"]) for c in o.get("choices") or []],
                "options": options(o.get("options")),
            }
            for o in opts or []
        ]

    perms = cmd.get("default_member_permissions")
    return {
        "type": cmd.get("type", 1),
        "description": cmd.get("description", ""),
        "options": options(cmd.get("options")),
        "default_member_permissions": None if perms is None else str(perms),
        "contexts": sorted(cmd.get("contexts") or []),
        "integration_types": sorted(cmd.get("integration_types") or []),
    }


def _local(
    bot: commands.Bot | commands.AutoShardedBot, guild: discord.abc.Snowflake | None
) -> dict[str, dict[str, Any]]:
    if guild is not None:
        bot.tree.copy_global_to(guild=guild)
    return {c.name: c.to_dict(bot.tree) for c in bot.tree.get_commands(guild=guild)}


async def sync_commands(
    bot: commands.Bot | commands.AutoShardedBot, *, data_dir: Path, guild_id: int | None, force: bool
) -> SyncReport:
    """Sync when the commands changed (always with ``force``); return what changed."""
    guild = discord.Object(id=guild_id) if guild_id else None
    scope = f"in guild {guild_id}" if guild_id else "global"
    local = _local(bot, guild)
    digest = hashlib.sha256(json.dumps(local, sort_keys=True).encode()).hexdigest()
    marker = data_dir / f"commands-{guild_id or 'global'}.sha256"
    report = SyncReport(scope)
    if not force and marker.is_file() and marker.read_text().strip() == digest:
        report.unchanged = sorted(local)
        log.info("application commands unchanged; not syncing")
        return report
    if force and bot.application_id:
        if guild_id:
            remote_list = await bot.http.get_guild_commands(bot.application_id, guild_id)
        else:
            remote_list = await bot.http.get_global_commands(bot.application_id)
        remote = {c["name"]: dict(c) for c in remote_list}
        report.added = [n for n in local if n not in remote]
        report.removed = [n for n in remote if n not in local]
        for name in set(local) & set(remote):
            same = _canonical(local[name]) == _canonical(remote[name])
            (report.unchanged if same else report.changed).append(name)
    else:
        report.added = sorted(local)
    if not force or report.added or report.removed or report.changed:
        await bot.tree.sync(guild=guild)
        report.synced = True
        log.info("synced %d application commands (%s)", len(local), scope)
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text(digest)
    return report
