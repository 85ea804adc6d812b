"""✨ Enhance, as the member sees it: a private preview of the rewritten prompt with **Use it** and
**Keep mine**. Nothing is reserved until they choose; the choice starts the job like any other
(same checks, price, limits and approval), with its own public reply.

The preview lives in this process only (a plain view with a timeout): if the bot restarts, the
member runs the command again, and nothing was spent.
"""

from __future__ import annotations

import logging
import secrets
from typing import TYPE_CHECKING

import discord

from bot.errors import UserFacingError
from bot.models import VideoOptions
from bot.ui.i18n import language, t
from bot.ui.replies import refuse, say_privately
from bot.ui.text import ts
from cogs._intake import Picture, check_request, start_from_interaction

if TYPE_CHECKING:
    from bot.jobs.enhance import Enhanced
    from bot.services import Services

log = logging.getLogger(__name__)

PREVIEW_TIMEOUT_S = 600.0


async def start_enhanced(
    interaction: discord.Interaction,
    services: Services,
    *,
    prompt: str,
    options: VideoOptions,
    picture: Picture | None = None,
    last_picture: Picture | None = None,
) -> None:
    """Check the request, rewrite the prompt, and show the member both privately to choose from."""
    pictures = [p for p in (picture, last_picture) if p is not None]
    try:
        options = await check_request(
            interaction, services, prompt=prompt, options=options, pictures=pictures, count=len(pictures)
        )
    except UserFacingError as err:
        await refuse(interaction, err, services.jobs.modlog)
        return
    await interaction.response.defer(ephemeral=True, thinking=True)
    result = await services.enhancer.enhance(interaction.user.id, prompt)
    lang = language(interaction.locale)
    view = EnhanceView(interaction, services, result=result, own=prompt, options=options, pictures=pictures)
    await interaction.edit_original_response(
        content=preview_text(result, own=prompt, lang=lang), view=view, allowed_mentions=discord.AllowedMentions.none()
    )


def preview_text(result: Enhanced, *, own: str, lang: str) -> str:
    """Show the enhanced prompt next to the member's own (or say why there is none)."""
    if result.failure is None:
        return t("enhance.preview", lang, enhanced=_quote(result.prompt), own=_quote(own))
    if result.failure == "rate_limited" and result.retry_at is not None:
        return t("enhance.rate_limited", lang, when=ts(result.retry_at), own=_quote(own))
    return t(f"enhance.{result.failure}", lang, own=_quote(own))


def _quote(text: str) -> str:
    return "> " + discord.utils.escape_markdown(text).replace("\n", "\n> ")


class EnhanceView(discord.ui.View):
    """**Use it** / **Keep mine** under the private preview; only the member who asked may press."""

    def __init__(
        self,
        origin: discord.Interaction,
        services: Services,
        *,
        result: Enhanced,
        own: str,
        options: VideoOptions,
        pictures: list[Picture],
    ) -> None:
        super().__init__(timeout=PREVIEW_TIMEOUT_S)
        self.origin, self.services = origin, services
        self.own, self.options, self.pictures = own, options, pictures
        self.enhanced = result.prompt if result.failure is None else None
        lang = language(origin.locale)
        nonce = secrets.token_hex(6)
        if self.enhanced is not None:
            use = discord.ui.Button[EnhanceView](
                label=t("enhance.use", lang), style=discord.ButtonStyle.primary, custom_id=f"rb:enh:use:{nonce}"
            )
            use.callback = self._use  # type: ignore[method-assign]
            self.add_item(use)
        keep = discord.ui.Button[EnhanceView](
            label=t("enhance.keep", lang), style=discord.ButtonStyle.secondary, custom_id=f"rb:enh:keep:{nonce}"
        )
        keep.callback = self._keep  # type: ignore[method-assign]
        self.add_item(keep)

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        """Only the member who asked chooses; anyone else is told so privately."""
        if interaction.user.id == self.origin.user.id:
            return True
        await say_privately(interaction, t("enhance.not_yours", language(interaction.locale)))
        return False

    async def _use(self, interaction: discord.Interaction) -> None:
        await self._choose(interaction, self.enhanced or self.own)

    async def _keep(self, interaction: discord.Interaction) -> None:
        await self._choose(interaction, self.own)

    async def _choose(self, interaction: discord.Interaction, prompt: str) -> None:
        self.stop()
        first = self.pictures[0] if self.pictures else None
        last = self.pictures[1] if len(self.pictures) > 1 else None
        await start_from_interaction(
            interaction, self.services, prompt=prompt, options=self.options, picture=first, last_picture=last
        )
        try:  # the preview has done its work: take its buttons away
            await self.origin.edit_original_response(view=None)
        except discord.HTTPException as exc:
            log.info("could not clear the enhance preview (%s %s)", exc.status, exc.code)
