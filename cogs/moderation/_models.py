"""/reelbot-mod models: which models members may use here, the default, and the expensive options
(4K, 60 fps, 10 s, audio: named in the catalogue) turned off (a mixin of the Moderators cog)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.app_commands import Choice

from bot.moderation.policy import model_for
from bot.ui.i18n import t
from bot.ui.replies import say_privately

if TYPE_CHECKING:
    from bot.models import GuildPolicy
    from bot.services import Services


def _services(interaction: discord.Interaction) -> Services:
    services = getattr(interaction.client, "services", None)
    assert services is not None
    return services  # type: ignore[no-any-return]


async def _model_names(interaction: discord.Interaction, current: str) -> list[Choice[str]]:
    settings = _services(interaction).settings
    names = [m.name for m in settings.catalogue.offered(settings.video_api_base)]
    return [Choice(name=n, value=n) for n in names if current.lower() in n.lower()][:25]


async def _expensive_names(interaction: discord.Interaction, current: str) -> list[Choice[str]]:
    names = list(_services(interaction).settings.catalogue.expensive)
    return [Choice(name=n, value=n) for n in names if current.lower() in n.lower()][:25]


class ModelCommands:
    """The server's models and expensive options; the Moderators cog supplies the permission check."""

    services: Services

    async def _policy(self, interaction: discord.Interaction) -> tuple[GuildPolicy, str]:
        raise NotImplementedError

    async def _save(self, interaction: discord.Interaction, what: str, **changes: object) -> GuildPolicy:
        raise NotImplementedError

    @app_commands.command(  # type: ignore[type-var]  # a mixin: the Moderators cog is the real owner
        name="models", description="Choose the models members may use, the default, and expensive options to turn off"
    )
    @app_commands.describe(
        use="Let members use this model (the first one starts a list: only listed models)",
        stop="Stop members using this model",
        default="The model used when a member picks none",
        forbid="Turn off an expensive option here (4k, 60fps, 10s, audio)",
        permit="Turn an expensive option back on",
        every_model="Let members use every model the provider serves again",
    )
    @app_commands.autocomplete(
        use=_model_names, stop=_model_names, default=_model_names, forbid=_expensive_names, permit=_expensive_names
    )
    async def models(
        self,
        interaction: discord.Interaction,
        use: str | None = None,
        stop: str | None = None,
        default: str | None = None,
        forbid: str | None = None,
        permit: str | None = None,
        every_model: bool = False,
    ) -> None:
        """Show or change the server's models and expensive options."""
        policy, lang = await self._policy(interaction)
        settings = self.services.settings
        catalogue = settings.catalogue
        offered = [m.name for m in catalogue.offered(settings.video_api_base)]
        for value in (use, stop, default):
            if value is not None and catalogue.get(value) is None:
                listed = ", ".join(f"`{n}`" for n in offered)
                await say_privately(interaction, t("mod.model_unknown", lang, value=value[:40], models=listed))
                return
        for value in (forbid, permit):
            if value is not None and value not in catalogue.expensive:
                options = ", ".join(f"`{n}`" for n in catalogue.expensive)
                await say_privately(interaction, t("mod.option_unknown", lang, value=value[:40], options=options))
                return
        models = () if every_model else policy.models
        if use is not None and use not in models:
            models = (*models, use)
        if stop is not None:
            models = tuple(m for m in (models or offered) if m != stop)
        forbidden = tuple(f for f in policy.forbidden if f != permit)
        if forbid is not None and forbid not in forbidden:
            forbidden = (*forbidden, forbid)
        changes: dict[str, object] = {}
        if models != policy.models:
            changes["models"] = models
        if forbidden != policy.forbidden:
            changes["forbidden"] = forbidden
        if default is not None and default != policy.default_model:
            changes["default_model"] = default
        if changes:
            policy = await self._save(interaction, "models", **changes)
        summary = self._models_text(policy, lang, offered)
        await say_privately(interaction, t("mod.saved", lang, summary=summary) if changes else summary)

    def _models_text(self, policy: GuildPolicy, lang: str, offered: list[str]) -> str:
        settings = self.services.settings
        listed = ", ".join(f"`{m}`" for m in policy.models)
        models = listed if policy.models else t("mod.models_all", lang, models=", ".join(f"`{m}`" for m in offered))
        default = model_for(policy, fallback=settings.video_model, pictures=0, base_url=settings.video_api_base)
        forbidden = ", ".join(policy.forbidden) or t("mod.none", lang)
        return t("mod.models_show", lang, models=models, default=default, forbidden=forbidden)
