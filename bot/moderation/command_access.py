"""Who may run a command, as Discord decides it: the command's permission overrides in a server.

Discord enforces a slash command's permissions itself; buttons and checks the bot makes on its own
(approve, reject, a report's Delete and Block, a moderator's exemption from channel and role rules)
ask the same question here: would Discord let this member run ``/reelbot-mod`` in this channel?

Pure code over plain ids. The order follows Discord's documented resolution: the owner and
administrators always pass; then the channel (that channel's override, else the "all channels"
entry, whose id is the server's id minus one), command-level first, then application-level (the
entries whose target is the application id, which apply to commands without overrides of their own);
then the member (a user override, else their roles' overrides, where any allow wins, else the
@everyone entry, whose id is the server's id), command-level first, then application-level; and when
nothing applies, ``default_member_permissions``.
"""

from __future__ import annotations

from dataclasses import dataclass

ADMINISTRATOR = 1 << 3
ROLE, USER, CHANNEL = 1, 2, 3  # Discord's application command permission types


@dataclass(frozen=True, slots=True)
class Override:
    """One entry of a command's (or the application's) permissions in a server."""

    target_id: int
    kind: int  # ROLE, USER or CHANNEL
    allow: bool


@dataclass(frozen=True, slots=True)
class CommandAccess:
    """Everything that decides who may run one command in one server."""

    command: tuple[Override, ...] = ()  # the command's own overrides
    app: tuple[Override, ...] = ()  # the application-wide overrides (target id = application id)
    default_permissions: int | None = None  # the command's default_member_permissions; None: everyone


@dataclass(frozen=True, slots=True)
class Asker:
    """The member who asks, where (ids and permission bits only)."""

    user_id: int
    role_ids: frozenset[int]
    permissions: int  # the member's permissions in the channel
    channel_id: int  # a thread's parent channel, for threads
    is_owner: bool = False


def may_run(access: CommandAccess, asker: Asker, *, guild_id: int) -> bool:
    """Return True when Discord would let ``asker`` run the command in that channel."""
    if asker.is_owner or asker.permissions & ADMINISTRATOR:
        return True
    for layer in (access.command, access.app):
        verdict = _channel_verdict(layer, asker.channel_id, guild_id)
        if verdict is not None:
            if not verdict:
                return False
            break
    for layer in (access.command, access.app):
        verdict = _member_verdict(layer, asker, guild_id)
        if verdict is not None:
            return verdict
    needed = access.default_permissions
    if needed is None:
        return True
    return needed != 0 and asker.permissions & needed == needed  # "0": administrators only


def _channel_verdict(layer: tuple[Override, ...], channel_id: int, guild_id: int) -> bool | None:
    channels = {o.target_id: o.allow for o in layer if o.kind == CHANNEL}
    if channel_id in channels:
        return channels[channel_id]
    return channels.get(guild_id - 1)  # "all channels"


def _member_verdict(layer: tuple[Override, ...], asker: Asker, guild_id: int) -> bool | None:
    for o in layer:
        if o.kind == USER and o.target_id == asker.user_id:
            return o.allow
    roles = [o.allow for o in layer if o.kind == ROLE and o.target_id in asker.role_ids and o.target_id != guild_id]
    if roles:
        return any(roles)
    return next((o.allow for o in layer if o.kind == ROLE and o.target_id == guild_id), None)  # @everyone
