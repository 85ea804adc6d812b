"""One intake path: from a slash command, the message command, a mention or a button (re-roll, edit &
retry) to a job, with one set of checks.

1. Checks that need nothing but the request itself (a server, the prompt, the options, the picture's
   declared type and size). A refusal here is a private answer and no placeholder is ever shown.
2. The acknowledgement: for an interaction the public "thinking…" defer, sent before any store or
   network call (Discord allows 3 seconds); for a mention, the bot's reply.
3. The server's rules and limits (store), the picture's download, and admission (one transaction).
   A refusal here deletes the public placeholder and answers privately (an ephemeral follow-up), so
   nothing of a refused request stays in the channel.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace

import discord

from bot.errors import NotInGuild, UserFacingError
from bot.jobs.service import JobRequest
from bot.media import check_declared, download_image, last_frame, normalise_image
from bot.models import Delivery, VideoOptions
from bot.moderation.policy import model_for
from bot.moderation.prompts import clean_prompt
from bot.provider.options import pack_images, unpack_images, validate_options
from bot.services import Services
from bot.ui.i18n import language, t
from bot.ui.text import refusal, with_prompt
from cogs._access import ModeratorAccess
from cogs._interactions import is_moderator

log = logging.getLogger(__name__)

DEFAULT_UPLOAD_LIMIT = 10 * 1024 * 1024


@dataclass(frozen=True)
class Picture:
    """A picture to animate, as Discord describes it (nothing downloaded yet)."""

    url: str
    content_type: str | None = None
    size: int = 0


@dataclass(frozen=True)
class Ask:
    """What the member asks for."""

    prompt: str
    options: VideoOptions  # an empty model: the member picked none, the server's default applies
    picture: Picture | None = None  # to download after the acknowledgement
    last_picture: Picture | None = None  # with ``picture``: a first-and-last-frame video
    image: str | None = None  # already normalised (a re-roll of an animation; one or two pictures)
    frame_of: str | None = None  # Extend: the clip whose last frame becomes the picture
    parent_id: str | None = None

    @property
    def pictures(self) -> list[Picture]:
        return [p for p in (self.picture, self.last_picture) if p is not None]

    @property
    def count(self) -> int:
        """How many pictures the job has."""
        if self.frame_of is not None:
            return 1
        return len(self.pictures) if self.image is None else len(unpack_images(self.image))

    @property
    def kind(self) -> str:
        return "image" if self.count else "text"


@dataclass(frozen=True)
class Requester:
    """Who asks and where (ids only), and how to learn whether they are a moderator."""

    guild_id: int | None
    user_id: int
    channel_id: int
    parent_channel_id: int | None  # a thread's or forum post's channel
    channel_nsfw: bool
    role_ids: frozenset[int]
    locale: str
    moderator: Callable[[], Awaitable[bool]] = field(compare=False)


class Answer:
    """How one kind of request is acknowledged and refused."""

    async def acknowledge(self) -> Delivery | None:
        """Show the member their request is being handled; return where the live reply is."""
        raise NotImplementedError

    async def refuse(self, text: str) -> None:
        """Tell the member why not; privately, and leave nothing public behind."""
        raise NotImplementedError


def channel_facts(channel: object) -> tuple[int, int | None, bool]:
    """Return (channel id, parent channel id for threads and forum posts, age-restricted?)."""
    parent = getattr(channel, "parent", None) if isinstance(channel, discord.Thread) else None
    parent_id = channel.parent_id if isinstance(channel, discord.Thread) else None
    nsfw = bool(getattr(channel, "nsfw", False) or getattr(parent, "nsfw", False))
    return int(getattr(channel, "id", 0) or 0), parent_id, nsfw


def _roles(user: discord.abc.User) -> frozenset[int]:
    return frozenset(role.id for role in getattr(user, "roles", ()))


async def intake(services: Services, requester: Requester, answer: Answer, ask: Ask) -> None:
    """Check, acknowledge, then create the job behind a live reply (the one way in for every source)."""
    lang = requester.locale
    try:
        if requester.guild_id is None:
            raise NotInGuild
        clean_prompt(ask.prompt, required=ask.kind == "text")
        if ask.options.model:  # chosen by the member: checked now; else once the server's default is known
            validate_options(ask.options, pictures=ask.count)
        for picture in ask.pictures:
            check_declared(picture.content_type, picture.size)
    except UserFacingError as err:
        await _refused(services, requester, answer, err, ask.prompt)
        return
    services.ack_first.arrived()
    try:
        delivery = await answer.acknowledge()  # before any store or network call
    finally:
        services.ack_first.acknowledged()
    if delivery is None:
        return
    await services.ack_first.settled()  # in a burst, the other commands are acknowledged first
    try:
        options = ask.options
        if not options.model:
            policy = await services.jobs.policy(delivery.guild_id)
            settings = services.settings
            model = model_for(
                policy, fallback=settings.video_model, pictures=ask.count, base_url=settings.video_api_base
            )
            options = validate_options(replace(options, model=model), pictures=ask.count)
        request = JobRequest(
            user_id=requester.user_id,
            kind=ask.kind,
            prompt=ask.prompt,
            options=options,
            delivery=delivery,
            locale=lang,
            role_ids=requester.role_ids,
            channel_nsfw=requester.channel_nsfw,
            is_moderator=await requester.moderator(),
            parent_id=ask.parent_id,
            parent_channel_id=requester.parent_channel_id,
        )
        if ask.frame_of is not None or ask.pictures:  # slow work ahead: refuse first if a rule or limit stands
            await services.jobs.precheck(request)  # (the admission below checks all of it again, authoritatively)
        image = ask.image
        if ask.frame_of is not None:  # Extend: the clip's last frame, through the same picture intake
            image = await last_frame(services.session, ask.frame_of)
        if ask.pictures:  # each through the same intake: download at once, Pillow, ≤ 5 MB, base64
            image = pack_images(
                [await normalise_image(await download_image(services.session, p.url)) for p in ask.pictures]
            )
        job = await services.jobs.request(replace(request, image=image))
    except UserFacingError as err:
        await _refused(services, requester, answer, err, ask.prompt)
        return
    await services.runner.announce(job.id)


async def _refused(services: Services, requester: Requester, answer: Answer, err: UserFacingError, prompt: str) -> None:
    log.info("refused for user=%s guild=%s: %s", requester.user_id, requester.guild_id, err)
    await answer.refuse(with_prompt(refusal(err, requester.locale), prompt, requester.locale))  # theirs to copy
    if requester.guild_id:
        await services.jobs.modlog.event(requester.guild_id, "refused", by=requester.user_id, detail={"error": err})


# -- interactions: slash commands, the message command, buttons and modals -------------------------


class InteractionAnswer(Answer):
    """A public deferred reply; refusals are ephemeral (the placeholder, if any, is deleted first)."""

    def __init__(self, interaction: discord.Interaction, services: Services) -> None:
        self.interaction = interaction
        self.services = services

    async def acknowledge(self) -> Delivery | None:
        interaction = self.interaction
        callback = await interaction.response.defer(thinking=True)
        message_id = callback.message_id if callback and callback.message_id else None
        if message_id is None:
            message_id = (await interaction.original_response()).id
        guild = interaction.guild
        return Delivery(
            guild_id=interaction.guild_id or 0,
            channel_id=interaction.channel_id or 0,
            message_id=message_id,
            application_id=interaction.application_id,
            interaction_token=interaction.token,
            token_expires_at=interaction.created_at.timestamp() + self.services.settings.interaction_token_ttl,
            upload_limit=guild.filesize_limit if guild else DEFAULT_UPLOAD_LIMIT,
        )

    async def refuse(self, text: str) -> None:
        interaction = self.interaction
        mentions = discord.AllowedMentions.none()
        if not interaction.response.is_done():
            await interaction.response.send_message(text, ephemeral=True, allowed_mentions=mentions)
            return
        # After a public defer: take the "thinking…" placeholder away first. A follow-up sent while it
        # still shows would replace it and stay public (Discord ignores the ephemeral flag then).
        try:
            await interaction.delete_original_response()
        except discord.HTTPException as exc:  # already gone (NotFound), or the token died: answer anyway
            log.warning("could not remove the placeholder of a refused request (%s %s)", exc.status, exc.code)
        await interaction.followup.send(text, ephemeral=True, allowed_mentions=mentions)


def requester_of(interaction: discord.Interaction) -> Requester:
    """Describe the member who interacted, and where."""
    channel_id, parent_id, nsfw = channel_facts(interaction.channel)
    return Requester(
        guild_id=interaction.guild_id,
        user_id=interaction.user.id,
        channel_id=interaction.channel_id or channel_id,
        parent_channel_id=parent_id,
        channel_nsfw=nsfw,
        role_ids=_roles(interaction.user),
        locale=language(interaction.locale),
        moderator=lambda: is_moderator(interaction),
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
    """The quick checks of a request before a private step (Enhance's preview); return the options with the
    model chosen. The request goes through ``intake`` afterwards all the same.

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
    """Make a video for a slash command, the message command, a button or a modal.

    ``options.model`` empty: the member picked none, and the server's default applies.
    """
    ask = Ask(
        prompt=prompt,
        options=options,
        picture=picture,
        last_picture=last_picture,
        image=image,
        frame_of=frame_of,
        parent_id=parent_id,
    )
    await intake(services, requester_of(interaction), InteractionAnswer(interaction, services), ask)


# -- mention replies -----------------------------------------------------------------------------


class MentionAnswer(Answer):
    """The bot replies to the member's message; that reply becomes the live reply.

    A message cannot be answered privately, so a refusal is a short reply to the member's own message
    (after the acknowledgement: the "getting ready" reply turns into the refusal).
    """

    def __init__(self, message: discord.Message, lang: str, application_id: int) -> None:
        self.message = message
        self.lang = lang
        self.application_id = application_id
        self.reply: discord.Message | None = None

    async def _say(self, text: str) -> discord.Message | None:
        try:
            return await self.message.reply(text, mention_author=False, allowed_mentions=discord.AllowedMentions.none())
        except discord.HTTPException as exc:
            log.warning("cannot reply in channel %s (%s %s)", self.message.channel.id, exc.status, exc.code)
            return None

    async def acknowledge(self) -> Delivery | None:
        guild = self.message.guild
        self.reply = await self._say(t("mention.getting_ready", self.lang))
        if self.reply is None or guild is None:
            return None
        return Delivery(
            guild_id=guild.id,
            channel_id=self.message.channel.id,
            message_id=self.reply.id,
            application_id=self.application_id,
            upload_limit=guild.filesize_limit,
        )

    async def refuse(self, text: str) -> None:
        if self.reply is None:
            await self._say(text)
            return
        with contextlib.suppress(discord.HTTPException):
            await self.reply.edit(content=text, allowed_mentions=discord.AllowedMentions.none())


async def start_from_mention(
    message: discord.Message, services: Services, *, access: ModeratorAccess, application_id: int, lang: str, ask: Ask
) -> None:
    """Make a video for "@reelbot a prompt" (with or about a picture)."""
    member = message.author
    channel_id, parent_id, nsfw = channel_facts(message.channel)
    requester = Requester(
        guild_id=message.guild.id if message.guild else None,
        user_id=member.id,
        channel_id=channel_id,
        parent_channel_id=parent_id,
        channel_nsfw=nsfw,
        role_ids=_roles(member),
        locale=lang,
        moderator=lambda: access.member_is_moderator(member, message.channel),
    )
    await intake(services, requester, MentionAnswer(message, lang, application_id), ask)
