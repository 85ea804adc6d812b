"""/video, /animate, the "Animate image" message command, and mention replies."""

from __future__ import annotations

import logging
import re

import discord
from discord import app_commands
from discord.app_commands import Choice
from discord.ext import commands

from bot.app import ReelBot
from bot.errors import InvalidImage
from bot.models import VideoOptions
from bot.provider.options import ALL_SIZES, MODELS, PROMPT_MAX
from bot.services import Services
from bot.ui.i18n import language, language_of_text, t
from bot.ui.replies import refuse
from cogs._help import asks_for_help, help_language, help_page
from cogs._intake import Ask, Picture, start_from_interaction, start_from_mention

log = logging.getLogger(__name__)

FORM_TIMEOUT = 15 * 60  # an unsent form is forgotten after the 15 minutes Discord keeps the interaction
_IMAGE_EXT = re.compile(r"\.(png|jpe?g|webp|gif|bmp)(\?|$)", re.IGNORECASE)

SIZES = [Choice(name=s, value=s) for s in ALL_SIZES]
MODEL_CHOICES = [Choice(name=m, value=m) for m in MODELS]
DURATIONS = [Choice(name="5 seconds", value=5), Choice(name="10 seconds", value=10)]
FPS = [Choice(name="30 fps", value=30), Choice(name="60 fps", value=60)]
QUALITIES = [Choice(name="quality (slower, finer)", value="quality"), Choice(name="speed (faster)", value="speed")]
OPTION_HELP = {
    "size": "Width x height of the video (depends on the model)",
    "duration": "How long the video is",
    "fps": "Frames per second",
    "quality": "Finer detail or a faster result",
    "with_audio": "Add AI sound effects",
    "model": "Which CogVideoX model to use",
}


def _options(
    services: Services,
    size: Choice[str] | None,
    duration: Choice[int] | None,
    fps: Choice[int] | None,
    quality: Choice[str] | None,
    with_audio: bool,
    model: Choice[str] | None,
) -> VideoOptions:
    return VideoOptions(
        model=model.value if model else services.settings.video_model,
        size=size.value if size else None,
        duration=duration.value if duration else None,
        fps=fps.value if fps else None,
        quality=quality.value if quality else None,
        with_audio=with_audio,
    )


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
    @app_commands.choices(size=SIZES, duration=DURATIONS, fps=FPS, quality=QUALITIES, model=MODEL_CHOICES)  # type: ignore[misc]
    async def video(
        self,
        interaction: discord.Interaction,
        prompt: app_commands.Range[str, 1, PROMPT_MAX],
        size: Choice[str] | None = None,
        duration: Choice[int] | None = None,
        fps: Choice[int] | None = None,
        quality: Choice[str] | None = None,
        with_audio: bool = False,
        model: Choice[str] | None = None,
    ) -> None:
        """Make a short video from a text prompt."""
        options = _options(self.services, size, duration, fps, quality, with_audio, model)
        await start_from_interaction(interaction, self.services, prompt=prompt, options=options)

    @app_commands.command(name="animate", description="Bring a picture to life as a short video")
    @app_commands.guild_only()
    @app_commands.describe(
        image="The picture to animate (PNG, JPEG, WebP or GIF)", prompt="How it should move (optional)", **OPTION_HELP
    )
    @app_commands.choices(size=SIZES, duration=DURATIONS, fps=FPS, quality=QUALITIES, model=MODEL_CHOICES)  # type: ignore[misc]
    async def animate(
        self,
        interaction: discord.Interaction,
        image: discord.Attachment,
        prompt: app_commands.Range[str, 1, PROMPT_MAX] | None = None,
        size: Choice[str] | None = None,
        duration: Choice[int] | None = None,
        fps: Choice[int] | None = None,
        quality: Choice[str] | None = None,
        with_audio: bool = False,
        model: Choice[str] | None = None,
    ) -> None:
        """Bring a picture to life as a short video."""
        options = _options(self.services, size, duration, fps, quality, with_audio, model)
        picture = Picture(image.url, image.content_type or "application/octet-stream", image.size)
        await start_from_interaction(interaction, self.services, prompt=prompt or "", options=options, picture=picture)

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
        ask = Ask(prompt=prompt, options=VideoOptions(model=self.services.settings.video_model), picture=picture)
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
