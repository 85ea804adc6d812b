"""Moderators are whoever Discord says they are: the members Discord would let run ``/reelbot-mod``
in that channel, as a server set it up in Server Settings → Integrations.

Discord enforces a slash command's permissions itself. Buttons (approve, reject, a report's Delete
and Block) and the bot's own checks (a moderator skips the channel and role rules) ask here. The
server's overrides are fetched once (one request for every command) and kept until Discord says
they changed (APPLICATION_COMMAND_PERMISSIONS_UPDATE), or for ``ttl_s`` at most.
"""

from __future__ import annotations

import asyncio
import logging
import time

import discord

from bot.moderation.command_access import Asker, CommandAccess, Override, may_run

log = logging.getLogger(__name__)

MOD_COMMAND = "reelbot-mod"
MISSING_RETRY_S = 60.0  # /reelbot-mod not among the synced commands: how long before asking again
ERROR_RETRY_S = 5.0  # Discord answered a read with an error: how long the fallback applies
FALLBACK = CommandAccess(default_permissions=discord.Permissions(manage_guild=True).value)


def _overrides(entries: list[dict[str, object]] | None) -> tuple[Override, ...]:
    return tuple(Override(int(str(e["id"])), int(str(e["type"])), bool(e["permission"])) for e in entries or [])


class ModeratorAccess:
    """Answers "is this member a moderator here?" from the command's permissions in the server."""

    def __init__(self, client: discord.Client, *, command_guild_id: int | None = None, ttl_s: float = 600.0) -> None:
        self._client = client
        self._command_guild_id = command_guild_id  # commands registered in one guild (DEV_GUILD_ID)
        self._ttl_s = ttl_s
        self._command: tuple[int, int | None] | None = None  # (id, default_member_permissions)
        self._guilds: dict[int, tuple[float, dict[int, tuple[Override, ...]]]] = {}
        self._locks: dict[int, asyncio.Lock] = {}
        self._guild_errors: dict[int, tuple[float, discord.HTTPException]] = {}  # until when, and what Discord said
        self._command_lock = asyncio.Lock()
        self._command_missing_until = 0.0  # until then, the command counts as missing (not synced, or an error)
        self._synced = 0  # counts syncs: a read that began before one is not kept

    async def is_moderator(self, interaction: discord.Interaction) -> bool:
        """Return True when Discord would let the member who interacted run /reelbot-mod in this channel."""
        guild_id = interaction.guild_id
        if guild_id is None:
            return False
        return await self._check(guild_id, interaction.user, interaction.permissions, interaction.channel)

    async def member_is_moderator(self, member: discord.abc.User, channel: object) -> bool:
        """The same question for a member who wrote a message (mention replies)."""
        guild = getattr(member, "guild", None)
        permissions_for = getattr(channel, "permissions_for", None)
        if guild is None or permissions_for is None or not isinstance(member, discord.Member):
            return False
        return await self._check(guild.id, member, permissions_for(member), channel)

    async def _check(
        self, guild_id: int, user: discord.abc.User, permissions: discord.Permissions, channel: object
    ) -> bool:
        guild = getattr(user, "guild", None)
        parent = channel.parent_id if isinstance(channel, discord.Thread) else None
        asker = Asker(
            user_id=user.id,
            role_ids=frozenset(role.id for role in getattr(user, "roles", ())),
            permissions=permissions.value,
            channel_id=int(parent or getattr(channel, "id", 0) or 0),
            is_owner=bool(guild is not None and guild.owner_id == user.id),
        )
        return may_run(await self.access(guild_id), asker, guild_id=guild_id)

    async def access(self, guild_id: int) -> CommandAccess:
        """Return /reelbot-mod's permissions in the server (fetched once, then kept fresh by Discord's events)."""
        try:
            command = await self._mod_command()
            overrides = await self._guild_overrides(guild_id)
        except discord.HTTPException as exc:
            log.warning("cannot read command permissions in guild %s (%s %s)", guild_id, exc.status, exc.code)
            return FALLBACK
        if command is None:
            return FALLBACK
        command_id, default = command
        app_id = self._client.application_id or 0
        return CommandAccess(
            command=overrides.get(command_id, ()), app=overrides.get(app_id, ()), default_permissions=default
        )

    async def _mod_command(self) -> tuple[int, int | None] | None:
        async with self._command_lock:  # one read for a burst of commands, not one each
            if self._command is None and self._command_missing_until <= time.monotonic():
                synced = self._synced
                try:
                    found = await self._read_mod_command()
                except discord.HTTPException:  # the others waiting get the fallback, not a request each
                    self._command_missing_until = time.monotonic() + ERROR_RETRY_S
                    raise
                if synced == self._synced:  # kept unless the commands were synced again during the read
                    self._command = found
                    if found is None and self._client.application_id is not None:
                        # not synced yet: ask again in a while, not on every command
                        self._command_missing_until = time.monotonic() + MISSING_RETRY_S
            return self._command

    async def _read_mod_command(self) -> tuple[int, int | None] | None:
        app_id = self._client.application_id
        if app_id is None:
            return None
        http = self._client.http
        if self._command_guild_id:
            listed = await http.get_guild_commands(app_id, self._command_guild_id)
        else:
            listed = await http.get_global_commands(app_id)
        for cmd in listed:
            if cmd["name"] == MOD_COMMAND and cmd.get("type", 1) == 1:
                default = cmd.get("default_member_permissions")
                return int(cmd["id"]), None if default is None else int(default)
        return None

    async def _guild_overrides(self, guild_id: int) -> dict[int, tuple[Override, ...]]:
        lock = self._locks.setdefault(guild_id, asyncio.Lock())
        async with lock:  # one fetch for a burst of button presses
            cached = self._guilds.get(guild_id)
            if cached is not None and cached[0] > time.monotonic():
                return cached[1]
            failed = self._guild_errors.get(guild_id)
            if failed is not None and failed[0] > time.monotonic():
                raise failed[1]  # Discord just failed this read: the fallback, not a request per waiter
            app_id = self._client.application_id or 0
            try:
                entries = await self._client.http.get_guild_application_command_permissions(app_id, guild_id)
            except discord.HTTPException as exc:
                self._guild_errors[guild_id] = (time.monotonic() + ERROR_RETRY_S, exc)
                raise
            self._guild_errors.pop(guild_id, None)
            overrides = {int(e["id"]): _overrides(list(e["permissions"])) for e in entries}  # type: ignore[arg-type]
            self._guilds[guild_id] = (time.monotonic() + self._ttl_s, overrides)
            return overrides

    def updated(self, payload: discord.RawAppCommandPermissionsUpdateEvent) -> None:
        """Apply APPLICATION_COMMAND_PERMISSIONS_UPDATE (the whole list for one command, or the app)."""
        if payload.application_id != self._client.application_id:
            return
        cached = self._guilds.get(payload.guild.id)
        if cached is None:
            return  # fetched on first need
        entry = tuple(Override(p.id, p.type.value, p.permission) for p in payload.permissions)
        cached[1][payload.target_id] = entry
        log.info("command permissions changed in guild %s (target %s)", payload.guild.id, payload.target_id)

    def forget_commands(self) -> None:
        """Commands were synced again: their ids may have changed."""
        self._command = None
        self._command_missing_until = 0.0
        self._synced += 1
