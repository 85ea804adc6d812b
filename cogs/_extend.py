"""Extend: the last frame of a finished clip becomes the first frame of a new picture job, with the
same model and options (when the model takes a picture) and an optional new prompt.

It is a new job like any other: its own price, limits and approval. Its reply links the clip it
continues. The clip is the mp4 attached to the reply (or, when it was too large to attach, the
provider's link).
"""

from __future__ import annotations

import logging
from dataclasses import replace

import discord

from bot.errors import InvalidOptions
from bot.models import GuildPolicy, Job, VideoOptions
from bot.moderation.policy import model_for
from bot.provider.catalogue import OPTION_NAMES
from bot.provider.options import validate_options
from bot.ui.i18n import language, t
from cogs._intake import start_from_interaction
from cogs._interactions import PromptForm, services_of
from cogs._interactions import job_for as _job_for
from cogs._interactions import private as _private

log = logging.getLogger(__name__)


def clip_url(message: discord.Message | None, job: Job) -> str | None:
    """Return where the finished clip is: the attached mp4, else the provider's link."""
    for attachment in message.attachments if message is not None else ():
        if attachment.filename.lower().endswith(".mp4"):
            return attachment.url
    return job.video_url


def options_for_a_picture(options: VideoOptions, policy: GuildPolicy, *, fallback: str, base_url: str) -> VideoOptions:
    """Keep the model and options when the model takes one picture; else the server's picture model,
    keeping only the options it also takes."""
    try:
        return validate_options(options, pictures=1)
    except InvalidOptions:
        pass
    kept = replace(options, model=model_for(policy, fallback=fallback, pictures=1, base_url=base_url))
    for _ in OPTION_NAMES:  # drop, one by one, what the new model does not take
        try:
            return validate_options(kept, pictures=1)
        except InvalidOptions as err:
            if err.option not in OPTION_NAMES:
                return kept  # the model itself: the intake says why, privately
            drop: dict[str, object] = {err.option: False if err.option == "with_audio" else None}
            kept = replace(kept, **drop)  # type: ignore[arg-type]
    return kept


async def on_extend(interaction: discord.Interaction, job_id: str) -> None:
    """Open the Extend form (a modal must be the first answer, so nothing is deferred)."""
    job = await _job_for(interaction, job_id, requester_or_mod=True)
    if job is None:
        return
    if clip_url(interaction.message, job) is None:
        await _private(interaction, "button.gone")
        return
    await interaction.response.send_modal(ExtendModal(job.id, job.prompt, language(interaction.locale)))


class ExtendModal(PromptForm):
    """Extend: an optional new prompt for the continuation (the old one, filled in)."""

    def __init__(self, job_id: str, prompt: str, lang: str) -> None:
        super().__init__(
            job_id,
            prompt,
            custom_id=f"rb:extendmodal:{job_id}",
            title=t("modal.extend.title", lang),
            label=t("modal.extend.prompt", lang),
        )

    async def on_submit(self, interaction: discord.Interaction, /) -> None:
        """Start the new job from the clip's last frame."""
        job = await _job_for(interaction, self.job_id, requester_or_mod=True)
        if job is None:
            return
        source = clip_url(interaction.message, job)
        if source is None:
            await _private(interaction, "button.gone")
            return
        services = services_of(interaction)
        settings = services.settings
        policy = await services.jobs.policy(job.guild_id)
        options = options_for_a_picture(
            job.options, policy, fallback=settings.video_model, base_url=settings.video_api_base
        )
        d = job.delivery
        link = f"https://discord.com/channels/{d.guild_id}/{d.channel_id}/{d.message_id}"
        await start_from_interaction(
            interaction,
            services,
            prompt=str(self.prompt.value or ""),
            options=replace(options, continues=link),
            frame_of=source,
            parent_id=job.id,
        )
