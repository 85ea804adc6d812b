"""From an interaction to a job: the cheap checks before the 3-second acknowledgement, the slow
work after it, and every refusal told privately (and to the log channel).

Shared by the slash commands, the message command and the result buttons (re-roll, edit & retry).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import discord

from bot.errors import NotInGuild, UserFacingError
from bot.jobs.service import JobRequest
from bot.media import check_declared, download_image, last_frame, normalise_image
from bot.models import Delivery, VideoOptions
from bot.moderation.policy import model_for
from bot.moderation.prompts import clean_prompt
from bot.provider.options import pack_images, unpack_images, validate_options
from bot.ui.i18n import language
from bot.ui.replies import refuse
from bot.ui.text import refusal

if TYPE_CHECKING:
    from bot.app import Services

log = logging.getLogger(__name__)

DEFAULT_UPLOAD_LIMIT = 10 * 1024 * 1024


@dataclass(frozen=True)
class Picture:
    """A picture to animate, as Discord describes it (nothing downloaded yet)."""

    url: str
    content_type: str | None = None
    size: int = 0


def is_moderator(permissions: discord.Permissions) -> bool:
    """Return True for members who may moderate reelbot (Manage Server or Administrator)."""
    return permissions.manage_guild or permissions.administrator


def _roles(user: discord.abc.User) -> frozenset[int]:
    return frozenset(role.id for role in getattr(user, "roles", ()))


def _nsfw(channel: object) -> bool:
    return bool(getattr(channel, "nsfw", False) or getattr(getattr(channel, "parent", None), "nsfw", False))


def job_request(
    interaction: discord.Interaction,
    *,
    prompt: str,
    options: VideoOptions,
    kind: str,
    delivery: Delivery,
    image: str | None = None,
    parent_id: str | None = None,
) -> JobRequest:
    """Describe what the member asks for, who they are and where."""
    return JobRequest(
        user_id=interaction.user.id,
        kind=kind,
        prompt=prompt,
        options=options,
        delivery=delivery,
        image=image,
        locale=language(interaction.locale),
        role_ids=_roles(interaction.user),
        channel_nsfw=_nsfw(interaction.channel),
        is_moderator=is_moderator(interaction.permissions),
        parent_id=parent_id,
    )


async def check_request(
    interaction: discord.Interaction,
    services: Services,
    *,
    prompt: str,
    options: VideoOptions,
    pictures: list[Picture],
    count: int,
) -> VideoOptions:
    """Run the cheap, local checks (nothing slow, nothing spent); return the options with the model chosen.

    Raises:
        UserFacingError: the reason to show the member privately.
    """
    if interaction.guild_id is None:
        raise NotInGuild
    if not options.model:
        policy = await services.jobs.policy(interaction.guild_id)
        settings = services.settings
        model = model_for(policy, fallback=settings.video_model, pictures=count, base_url=settings.video_api_base)
        options = replace(options, model=model)
    clean_prompt(prompt, required=count == 0)
    validate_options(options, pictures=count)
    for each in pictures:
        check_declared(each.content_type, each.size)
    placeholder = Delivery(
        guild_id=interaction.guild_id,
        channel_id=interaction.channel_id or 0,
        message_id=0,
        application_id=interaction.application_id,
    )
    kind = "image" if count else "text"
    await services.jobs.precheck(
        job_request(interaction, prompt=prompt, options=options, kind=kind, delivery=placeholder)
    )
    return options


async def start_from_interaction(
    interaction: discord.Interaction,
    services: Services,
    *,
    prompt: str,
    options: VideoOptions,
    picture: Picture | None = None,
    last_picture: Picture | None = None,
    image: str | None = None,
    frame_of: str | None = None,
    parent_id: str | None = None,
) -> None:
    """Check, acknowledge, then create the job behind a public live reply.

    ``options.model`` empty means the member did not pick one: the server's default applies.
    ``last_picture`` (with ``picture``) asks for a first-and-last-frame video. ``frame_of`` (Extend):
    the URL of a clip whose last frame becomes the picture.
    """
    pictures = [p for p in (picture, last_picture) if p is not None]
    count = len(pictures) if image is None else len(unpack_images(image))
    count = 1 if frame_of is not None else count
    kind = "image" if count else "text"
    lang = language(interaction.locale)
    try:
        options = await check_request(
            interaction, services, prompt=prompt, options=options, pictures=pictures, count=count
        )
    except UserFacingError as err:
        await refuse(interaction, err, services.jobs.modlog)
        return
    assert interaction.guild_id is not None  # check_request refused DMs
    # Everything above is local and quick; the 3-second acknowledgement comes now.
    callback = await interaction.response.defer(thinking=True)
    message_id = callback.message_id if callback and callback.message_id else (await interaction.original_response()).id
    guild = interaction.guild
    delivery = Delivery(
        guild_id=interaction.guild_id, channel_id=interaction.channel_id or 0, message_id=message_id,
        application_id=interaction.application_id, interaction_token=interaction.token,
        token_expires_at=interaction.created_at.timestamp() + services.settings.interaction_token_ttl,
        upload_limit=guild.filesize_limit if guild else DEFAULT_UPLOAD_LIMIT,
    )  # fmt: skip
    try:
        if frame_of is not None:  # Extend: the clip's last frame, through the same picture intake
            image = await last_frame(services.session, frame_of)
        if pictures:  # both go through the same intake: download at once, Pillow, ≤ 5 MB, base64
            image = pack_images(
                [await normalise_image(await download_image(services.session, p.url)) for p in pictures]
            )
        job = await services.jobs.request(
            job_request(
                interaction,
                prompt=prompt,
                options=options,
                kind=kind,
                delivery=delivery,
                image=image,
                parent_id=parent_id,
            )
        )
    except UserFacingError as err:
        log.info("refused after defer for user=%s guild=%s: %s", interaction.user.id, interaction.guild_id, err)
        await services.jobs.modlog.event(interaction.guild_id, "refused", by=interaction.user.id, detail={"error": err})
        await interaction.edit_original_response(
            content=refusal(err, lang), allowed_mentions=discord.AllowedMentions.none()
        )
        return
    await services.runner.announce(job.id)
