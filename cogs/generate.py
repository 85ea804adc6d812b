"""/video, /animate, the "Animate image" message command, and mention replies."""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

import discord
from discord import app_commands
from discord.app_commands import Choice
from discord.ext import commands

from bot.app import ReelBot
from bot.errors import InvalidImage
from bot.models import VideoOptions
from bot.moderation.policy import model_for
from bot.provider.options import PROMPT_MAX
from bot.services import Services
from bot.ui.choices import model_choices, models_for, option_choices
from bot.ui.i18n import language, language_of_text, t
from bot.ui.replies import refuse
from cogs._enhance import start_enhanced
from cogs._help import asks_for_help, help_language, help_page
from cogs._intake import Ask, Picture, start_from_interaction, start_from_mention

log = logging.getLogger(__name__)

FORM_TIMEOUT = 15 * 60  # an unsent form is forgotten after the 15 minutes Discord keeps the interaction
_IMAGE_EXT = re.compile(r"\.(png|jpe?g|webp|gif|bmp)(\?|$)", re.IGNORECASE)

OPTION_HELP = {
    "model": "Which model to use (default: this server's; price shown)",
    "size": "Shape and size of the video (the chosen model's sizes)",
    "duration": "How long the video is (the chosen model's lengths)",
    "fps": "Frames per second (CogVideoX; default 30)",
    "quality": "Finer detail or a faster result (CogVideoX; default speed)",
    "with_audio": "Add AI sound effects (models that can)",
    "style": "Vidu Q1 text: general or anime",
    "aspect_ratio": "Vidu: the shape of the video (default 16:9)",
    "movement_amplitude": "Vidu: how much things move (default auto)",
    "enhance": "Rewrite your prompt in more detail first (free; you choose before anything is spent)",
}
_OPTIONS = ("size", "duration", "fps", "quality", "style", "aspect_ratio", "movement_amplitude")


def _options(model: str | None, with_audio: bool, **values: str | int | None) -> VideoOptions:
    """Collect what the member chose ("" model: the server's default, resolved at intake)."""
    text = {k: (str(v).strip() or None) if v is not None else None for k, v in values.items()}
    return VideoOptions(
        model=(model or "").strip(),
        size=text["size"],
        duration=_number(values["duration"]),
        fps=_number(values["fps"]),
        quality=text["quality"],
        with_audio=with_audio,
        style=text["style"],
        aspect_ratio=text["aspect_ratio"],
        movement_amplitude=text["movement_amplitude"],
    )


def _number(value: str | int | None) -> int | None:
    """Autocomplete sends what was typed; a non-number stays text so validation names it."""
    if value is None:
        return None
    return value if isinstance(value, int) else int(value) if str(value).strip().isdigit() else None


def _services(interaction: discord.Interaction) -> Services:
    bot = interaction.client
    assert isinstance(bot, ReelBot) and bot.services is not None
    return bot.services


def _model_autocomplete(pictures: bool) -> Callable[[discord.Interaction, str], Awaitable[list[Choice[str]]]]:
    """Offer the models this server uses that the provider serves, each with its price here."""

    async def complete(interaction: discord.Interaction, current: str) -> list[Choice[str]]:
        services = _services(interaction)
        settings = services.settings
        policy = await services.jobs.policy(interaction.guild_id or 0)
        specs = models_for(settings.catalogue, policy, base_url=settings.video_api_base, pictures=pictures)
        default = model_for(
            policy, fallback=settings.video_model, pictures=int(pictures), base_url=settings.video_api_base
        )
        return model_choices(
            specs,
            current,
            default=default,
            price=lambda model: services.spending.price_for(policy, model),
            lang=language(interaction.locale),
        )

    return complete


def _value_autocomplete(option: str, pictures: bool) -> Callable[[discord.Interaction, str], Awaitable[list[Any]]]:
    """Offer the values the chosen model (else the server's default) takes for ``option``."""

    async def complete(interaction: discord.Interaction, current: str) -> list[Any]:
        services = _services(interaction)
        settings = services.settings
        policy = await services.jobs.policy(interaction.guild_id or 0)
        chosen = str(getattr(interaction.namespace, "model", None) or "").strip()
        model = chosen or model_for(
            policy, fallback=settings.video_model, pictures=int(pictures), base_url=settings.video_api_base
        )
        choices = option_choices(
            settings.catalogue.get(model),
            option,
            str(current),
            policy=policy,
            catalogue=settings.catalogue,
            lang=language(interaction.locale),
        )
        if option in {"duration", "fps"}:  # integer options take integer choices
            return [Choice(name=c.name, value=int(c.value)) for c in choices]
        return choices

    return complete


def _autocomplete(pictures: bool) -> dict[str, Any]:
    return {"model": _model_autocomplete(pictures)} | {o: _value_autocomplete(o, pictures) for o in _OPTIONS}


def _picture_of(message: discord.Message) -> Picture | None:
    """Return the first picture of a message: attachments first, then embed images."""
    for att in message.attachments:
        if (att.content_type or "").startswith("image/") or _IMAGE_EXT.search(att.filename):
            return Picture(att.url, att.content_type, att.size)
    for embed in message.embeds:
        # Only Discord's media proxy: an embed's own URL could point anywhere, even inside our network.
        for url in (embed.image.proxy_url, embed.thumbnail.proxy_url):
            if url:
                return Picture(url)
    return None


class AnimateForm(discord.ui.Modal):
    """Apps → Animate image: an optional prompt saying how the picture should move."""

    def __init__(self, services: Services, picture: Picture, lang: str) -> None:
        super().__init__(title=t("modal.animate.title", lang)[:45], timeout=FORM_TIMEOUT)
        self.services, self.picture = services, picture
        self.prompt: discord.ui.TextInput[AnimateForm] = discord.ui.TextInput(
            label=t("modal.animate.prompt", lang)[:45],
            placeholder=t("modal.animate.placeholder", lang)[:100],
            max_length=PROMPT_MAX,
            style=discord.TextStyle.paragraph,
            required=False,
        )
        self.add_item(self.prompt)

    async def on_submit(self, interaction: discord.Interaction, /) -> None:
        """Every check runs now, on the same path as /animate."""
        options = VideoOptions(model=self.services.settings.video_model)
        prompt = str(self.prompt.value or "")
        await start_from_interaction(interaction, self.services, prompt=prompt, options=options, picture=self.picture)


class Generate(commands.Cog):
    """Make videos from prompts and pictures."""

    def __init__(self, bot: ReelBot) -> None:
        self.bot = bot
        assert bot.services is not None
        self.services: Services = bot.services
        self.animate_menu = app_commands.ContextMenu(name="Animate image", callback=self.animate_message)

    async def cog_load(self) -> None:
        """Register the message command (context menus cannot live inside a cog class)."""
        self.bot.tree.add_command(self.animate_menu)

    async def cog_unload(self) -> None:
        """Remove the message command."""
        self.bot.tree.remove_command(self.animate_menu.name, type=self.animate_menu.type)

    @app_commands.command(name="video", description="Make a short video from a text prompt")
    @app_commands.guild_only()
    @app_commands.describe(prompt="What the video should show (up to 512 characters)", **OPTION_HELP)
    @app_commands.autocomplete(**_autocomplete(pictures=False))
    async def video(
        self,
        interaction: discord.Interaction,
        prompt: app_commands.Range[str, 1, PROMPT_MAX],
        model: str | None = None,
        size: str | None = None,
        duration: int | None = None,
        fps: int | None = None,
        quality: str | None = None,
        with_audio: bool = False,
        style: str | None = None,
        aspect_ratio: str | None = None,
        movement_amplitude: str | None = None,
        enhance: bool = False,
    ) -> None:
        """Make a short video from a text prompt."""
        options = _options(
            model, with_audio, size=size, duration=duration, fps=fps, quality=quality, style=style,
            aspect_ratio=aspect_ratio, movement_amplitude=movement_amplitude,
        )  # fmt: skip
        start = start_enhanced if enhance else start_from_interaction
        await start(interaction, self.services, prompt=prompt, options=options)

    @app_commands.command(name="animate", description="Bring a picture to life as a short video")
    @app_commands.guild_only()
    @app_commands.describe(
        image="The picture to animate (PNG, JPEG, WebP or GIF)",
        prompt="How it should move (optional)",
        last_image="Optional last frame: the video moves from the first picture to this one",
        **OPTION_HELP,
    )
    @app_commands.autocomplete(**_autocomplete(pictures=True))
    async def animate(
        self,
        interaction: discord.Interaction,
        image: discord.Attachment,
        prompt: app_commands.Range[str, 1, PROMPT_MAX] | None = None,
        last_image: discord.Attachment | None = None,
        model: str | None = None,
        size: str | None = None,
        duration: int | None = None,
        fps: int | None = None,
        quality: str | None = None,
        with_audio: bool = False,
        style: str | None = None,
        aspect_ratio: str | None = None,
        movement_amplitude: str | None = None,
        enhance: bool = False,
    ) -> None:
        """Bring a picture to life as a short video (or move from one picture to another)."""
        options = _options(
            model, with_audio, size=size, duration=duration, fps=fps, quality=quality, style=style,
            aspect_ratio=aspect_ratio, movement_amplitude=movement_amplitude,
        )  # fmt: skip
        first = Picture(image.url, image.content_type or "application/octet-stream", image.size)
        last = (
            Picture(last_image.url, last_image.content_type or "application/octet-stream", last_image.size)
            if last_image is not None
            else None
        )
        start = start_enhanced if enhance and prompt else start_from_interaction
        await start(interaction, self.services, prompt=prompt or "", options=options, picture=first, last_picture=last)

    async def animate_message(self, interaction: discord.Interaction, message: discord.Message) -> None:
        """Animate the first picture of a message (Apps → Animate image)."""
        picture = _picture_of(message)
        if picture is None:
            await refuse(interaction, InvalidImage(reason="missing"), self.services.jobs.modlog)
            return
        form = AnimateForm(self.services, picture, language(interaction.locale))
        await interaction.response.send_modal(form)

    # -- mention replies ---------------------------------------------------------------------------

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        """Animate the picture a member attaches or replies to when they mention the bot."""
        me = self.bot.user
        if message.author.bot or message.guild is None or me is None or me not in message.mentions:
            return
        prompt = re.sub(rf"<@!?{me.id}>", " ", message.content)
        picture = _picture_of(message)
        replied = message.reference.resolved if message.reference else None
        # A mention has no locale: a prompt written mostly in Chinese is answered in Chinese.
        lang = language_of_text(prompt, (await self.services.jobs.policy(message.guild.id)).locale)
        if picture is None and asks_for_help(prompt):  # "@reelbot help" is a question, not a prompt to pay for
            embed = await help_page(
                self.services, guild_id=message.guild.id, user_id=message.author.id, lang=help_language(prompt, lang)
            )
            await message.reply(embed=embed, mention_author=False, allowed_mentions=discord.AllowedMentions.none())
            return
        if picture is None and isinstance(replied, discord.Message):
            picture = _picture_of(replied)
            if picture is None and not self.bot.intents.message_content:
                await message.reply(
                    t("mention.cant_see_picture", lang),
                    mention_author=False,
                    allowed_mentions=discord.AllowedMentions.none(),
                )
                return
        ask = Ask(prompt=prompt, options=VideoOptions(model=""), picture=picture)
        await start_from_mention(
            message,
            self.services,
            access=self.bot.moderators,
            application_id=self.bot.application_id or 0,
            lang=lang,
            ask=ask,
        )


async def setup(bot: ReelBot) -> None:
    """Load the cog."""
    await bot.add_cog(Generate(bot))
