"""Who counts as a moderator: Discord's command-permission resolution, case by case."""

from __future__ import annotations

import pytest

from bot.moderation.command_access import CHANNEL, ROLE, USER, Asker, CommandAccess, Override, may_run

GUILD = 1000
MANAGE_GUILD = 1 << 5
MOD_ROLE, OTHER_ROLE = 7, 8
HERE, ELSEWHERE = 50, 51
DEFAULT = CommandAccess(default_permissions=MANAGE_GUILD)


def asker(*, roles: tuple[int, ...] = (), perms: int = 0, user: int = 1, channel: int = HERE) -> Asker:
    return Asker(user_id=user, role_ids=frozenset(roles), permissions=perms, channel_id=channel)


def access(*command: Override, app: tuple[Override, ...] = ()) -> CommandAccess:
    return CommandAccess(command=command, app=app, default_permissions=MANAGE_GUILD)


@pytest.mark.parametrize(
    ("rules", "who", "expected"),
    [
        (DEFAULT, asker(), False),  # no overrides: Manage Server decides
        (DEFAULT, asker(perms=MANAGE_GUILD), True),
        (DEFAULT, asker(perms=1 << 3), True),  # administrators always pass
        (access(Override(MOD_ROLE, ROLE, True)), asker(roles=(MOD_ROLE,)), True),  # granted to a role
        (access(Override(MOD_ROLE, ROLE, True)), asker(roles=(OTHER_ROLE,)), False),
        (access(Override(GUILD, ROLE, False)), asker(perms=MANAGE_GUILD), False),  # @everyone denied
        (access(Override(GUILD, ROLE, False), Override(MOD_ROLE, ROLE, True)), asker(roles=(MOD_ROLE,)), True),
        (access(Override(MOD_ROLE, ROLE, True), Override(OTHER_ROLE, ROLE, False)), asker(roles=(7, 8)), True),
        (access(Override(MOD_ROLE, ROLE, True), Override(1, USER, False)), asker(roles=(MOD_ROLE,)), False),
        (access(Override(1, USER, True)), asker(), True),  # a user override
        (access(Override(MOD_ROLE, ROLE, True), Override(HERE, CHANNEL, False)), asker(roles=(MOD_ROLE,)), False),
        (
            access(Override(MOD_ROLE, ROLE, True), Override(GUILD - 1, CHANNEL, False)),  # all channels off...
            asker(roles=(MOD_ROLE,), channel=ELSEWHERE),
            False,
        ),
        (
            access(Override(MOD_ROLE, ROLE, True), Override(GUILD - 1, CHANNEL, False), Override(HERE, CHANNEL, True)),
            asker(roles=(MOD_ROLE,)),  # ...but this one channel on
            True,
        ),
        (access(app=(Override(MOD_ROLE, ROLE, True),)), asker(roles=(MOD_ROLE,)), True),  # application-wide
        (access(Override(MOD_ROLE, ROLE, False), app=(Override(MOD_ROLE, ROLE, True),)), asker(roles=(7,)), False),
        (CommandAccess(default_permissions=0), asker(perms=MANAGE_GUILD), False),  # "0": administrators only
        (CommandAccess(default_permissions=None), asker(), True),
    ],
)
def test_may_run_follows_discords_resolution(rules: CommandAccess, who: Asker, expected: bool) -> None:
    """Each row is one way a server can set up /reelbot-mod in Server Settings → Integrations."""
    assert may_run(rules, who, guild_id=GUILD) is expected


def test_the_owner_always_passes() -> None:
    owner = Asker(user_id=1, role_ids=frozenset(), permissions=0, channel_id=HERE, is_owner=True)
    assert may_run(access(Override(GUILD, ROLE, False)), owner, guild_id=GUILD)
