"""The Discord notifier: edits each member's reply, through the interaction token while it lives,
then through the bot token, and as a last resort in a new channel message.

One edit in flight per reply; newer progress supersedes older (coalesced); the final state waits
for the edit in flight and replaces anything pending.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace

import aiohttp
import discord
from discord.http import handle_message_parameters
from discord.webhook.async_ import async_context

from bot.jobs.notify import JobView, Video
from bot.logs import job_context
from bot.models import Delivery, Job, JobState
from bot.provider.streaming import GrowingFile
from bot.store.base import POLICY_TTL_S, Store
from bot.ui.i18n import language, t
from bot.ui.pacing import TokenBucket
from bot.ui.render import Rendered, mentions_for, render

log = logging.getLogger(__name__)

_TOKEN_DEAD = {50027, 10015}  # Invalid Webhook Token; Unknown Webhook
_UPLOAD_REJECTED = {40005, 50045}
_RANK = {
    JobState.AWAITING_APPROVAL: 0,
    JobState.QUEUED: 0,
    JobState.SUBMITTING: 1,
    JobState.SUBMITTED: 1,
    JobState.PROCESSING: 2,
    JobState.SUCCEEDED: 3,
    JobState.FAILED: 3,
    JobState.EXPIRED: 3,
    JobState.DELIVERED: 4,
}


class _UploadRefused(Exception):
    """Discord would not take the file (too large for this server): link it instead."""


class _Pacer:
    """Per-key serial execution where only the latest pending action survives."""

    def __init__(self) -> None:
        self._pending: dict[str, Callable[[], Awaitable[None]]] = {}
        self._running: dict[str, asyncio.Task[None]] = {}

    def submit(self, key: str, action: Callable[[], Awaitable[None]]) -> None:
        self._pending[key] = action
        if key not in self._running:
            self._running[key] = asyncio.create_task(self._drain(key))

    async def _drain(self, key: str) -> None:
        try:
            while key in self._pending:
                action = self._pending.pop(key)
                try:
                    await action()
                except Exception:
                    log.exception("edit for %s failed", key)
        finally:
            self._running.pop(key, None)

    async def settle(self, key: str) -> None:
        """Drop what is pending for ``key`` and wait for the action in flight."""
        self._pending.pop(key, None)
        task = self._running.get(key)
        if task is not None:
            await asyncio.shield(task)

    async def close(self) -> None:
        self._pending.clear()
        for task in list(self._running.values()):
            task.cancel()


class DiscordNotifier:
    """Implements bot.jobs.notify.Notifier for Discord."""

    def __init__(
        self,
        client: discord.Client,
        session: aiohttp.ClientSession,
        store: Store,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._client = client
        self._session = session
        self._store = store
        self._clock = clock
        self._pacer = _Pacer()
        self._rank: dict[str, int] = {}
        self._token_dead: set[str] = set()  # jobs whose interaction token failed (a copy read before may have it)
        # Bot-token requests share Discord's global 50/s with everything else the bot does: keep headroom.
        self._bot_budget = TokenBucket(rate=40, burst=40)

    async def show(self, view: JobView) -> None:
        """Queue an edit of the member's reply (latest wins; a job's reply never goes back a state)."""
        rank = _RANK[view.job.state]
        if rank >= _RANK[JobState.SUCCEEDED] or rank < self._rank.get(view.job.id, 0):
            # Outcomes are shown only by deliver(), with the video; older states never overwrite newer ones.
            return
        self._rank[view.job.id] = rank
        self._pacer.submit(view.job.id, lambda: self._edit_quietly(view))

    async def deliver(self, view: JobView) -> bool:
        """Post the final state; return True once the member can see it."""
        self._rank[view.job.id] = _RANK[JobState.DELIVERED]
        try:
            await self._pacer.settle(view.job.id)
            lang = await self._server_language(view.job.guild_id)
            rendered = render(view, lang)
            if view.video is not None:
                try:
                    return await self._edit(view.job, rendered, video=view.video, final=True)
                except _UploadRefused:
                    log.warning("job %s: upload refused; posting a link instead", view.job.id)
                    rendered = render(_as_link(view), lang)
            return await self._edit(view.job, rendered, final=True)
        finally:
            self._rank.pop(view.job.id, None)
            self._token_dead.discard(view.job.id)

    async def close(self) -> None:
        """Cancel edits in flight (shutdown)."""
        await self._pacer.close()

    async def _edit_quietly(self, view: JobView) -> None:
        with job_context(view.job.id, view.job.guild_id, view.job.user_id):
            await self._edit(view.job, render(view, await self._server_language(view.job.guild_id)))

    async def _server_language(self, guild_id: int) -> str:
        """The server's language (Discord's preferred locale; the stored one for a guild on another shard)."""
        guild = self._client.get_guild(guild_id)
        if guild is not None:
            return language(guild.preferred_locale)
        return (await self._store.get_policy(guild_id, max_age_s=POLICY_TTL_S)).locale

    async def _edit(self, job: Job, rendered: Rendered, *, video: Video | None = None, final: bool = False) -> bool:
        d = job.delivery
        # The interaction's token edits its original response, which never moves: no read of the job first.
        # A reply that moved (to a new message, a DM) lost its token then, so a copy of the job that still
        # has one fails here and is read again below before the bot's token is used.
        if d.interaction_token and job.id not in self._token_dead and self._clock() < d.token_expires_at:
            try:
                await self._edit_by_token(job, rendered, video)
                return True
            except discord.HTTPException as exc:
                if video is not None and (exc.code in _UPLOAD_REJECTED or exc.status == 413):
                    raise _UploadRefused from None
                if exc.code in _TOKEN_DEAD or exc.status == 401:
                    log.info("job %s: interaction token no longer valid (%s); using the bot token", job.id, exc.code)
                else:
                    log.warning("job %s: token edit failed (%s %s); using the bot token", job.id, exc.status, exc.code)
                self._token_dead.add(job.id)
                await self._store.move_reply(job.id, drop_token=True)
        job = await self._store.get_job(job.id) or job  # the delivery target may have moved
        job = job.with_changes(delivery=_without_token(job.delivery))
        return await self._edit_by_bot(job, rendered, video, final=final)

    async def _edit_by_token(self, job: Job, rendered: Rendered, video: Video | None) -> None:
        d = job.delivery
        assert d.interaction_token is not None
        with handle_message_parameters(
            content=rendered.content,
            embed=rendered.embed,
            view=rendered.view if rendered.view is not None else discord.utils.MISSING,
            allowed_mentions=mentions_for(job.user_id),
            attachments=[_file(job, video)] if video else discord.utils.MISSING,
        ) as params:
            await async_context.get().edit_original_interaction_response(
                d.application_id,
                d.interaction_token,
                session=self._session,
                payload=params.payload,
                multipart=params.multipart,
                files=params.files,
            )

    async def _edit_by_bot(self, job: Job, rendered: Rendered, video: Video | None, *, final: bool) -> bool:
        await self._bot_budget.acquire()
        d = job.delivery
        channel = self._client.get_partial_messageable(d.channel_id, guild_id=d.guild_id)
        mentions = mentions_for(job.user_id)
        try:
            await channel.get_partial_message(d.message_id).edit(
                content=rendered.content,
                embed=rendered.embed,
                view=rendered.view if rendered.view is not None else discord.utils.MISSING,
                allowed_mentions=mentions,
                attachments=[_file(job, video)] if video else discord.utils.MISSING,
            )
            return True
        except discord.NotFound as exc:  # 10008: the reply was deleted; 10003: so was the channel
            log.warning("job %s: the reply is gone (%s); posting a new message", job.id, exc.code)
        except discord.Forbidden as exc:  # 50001/50013: no access to the channel any more
            log.warning("job %s: no access to channel %s (%s)", job.id, d.channel_id, exc.code)
            return await self._direct_message(job, rendered, video) if final else False
        except discord.HTTPException as exc:
            if video is not None and (exc.code in _UPLOAD_REJECTED or exc.status == 413):
                raise _UploadRefused from None
            log.warning("job %s: editing the reply failed (%s %s); will retry", job.id, exc.status, exc.code)
            return False
        try:
            message = await channel.send(
                content=rendered.content,
                embed=rendered.embed,
                view=rendered.view if rendered.view is not None else discord.utils.MISSING,
                allowed_mentions=mentions,
                file=_file(job, video) if video else discord.utils.MISSING,
            )
        except discord.HTTPException as exc:
            log.warning("job %s: cannot post in channel %s (%s %s)", job.id, d.channel_id, exc.status, exc.code)
            return await self._direct_message(job, rendered, video) if final else False
        await self._store.move_reply(job.id, message_id=message.id, drop_token=True)
        return True

    async def _direct_message(self, job: Job, rendered: Rendered, video: Video | None) -> bool:
        """Last resort for a final result: a DM to the requester (who may have closed their DMs)."""
        try:
            await self._bot_budget.acquire()
            dm = await self._client.create_dm(discord.Object(id=job.user_id))
            content = (rendered.content or "") + "\n" + t("job.dm_note", job.locale)
            message = await dm.send(
                content=content.strip(),
                embed=rendered.embed,
                allowed_mentions=mentions_for(job.user_id),
                file=_file(job, video) if video else discord.utils.MISSING,
            )
        except discord.HTTPException as exc:
            log.error(
                "job %s: cannot reach the requester by DM either (%s %s); giving up", job.id, exc.status, exc.code
            )
            return False
        await self._store.move_reply(job.id, channel_id=dm.id, message_id=message.id, drop_token=True)
        log.info("job %s: delivered by DM", job.id)
        return True


def _without_token(d: Delivery) -> Delivery:
    return replace(d, interaction_token=None)


def _file(job: Job, video: Video) -> discord.File:
    """The video as an attachment; a video still downloading is read as it arrives (bot/provider/streaming.py)."""
    source = video.follower() if isinstance(video, GrowingFile) else video
    return discord.File(source, filename=f"reelbot-{job.id}.mp4")


def _as_link(view: JobView) -> JobView:
    return replace(view, video=None)
