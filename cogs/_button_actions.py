"""What each result and moderation button does (bot/ui/buttons.py draws them; cogs/results.py routes presses here)."""

from __future__ import annotations

import contextlib
import logging

import discord

from bot.errors import UserFacingError
from bot.jobs.service import Cancel
from bot.models import Charge, format_credits
from bot.ui.buttons import delete_confirm_view
from bot.ui.i18n import t
from bot.ui.text import refusal
from cogs._intake import start_from_interaction
from cogs._interactions import PromptForm, services_of
from cogs._interactions import is_moderator as _moderator
from cogs._interactions import job_for as _job_for
from cogs._interactions import private as _private

log = logging.getLogger(__name__)


async def on_reroll(interaction: discord.Interaction, job_id: str) -> None:
    """Same prompt and options, a new video and a new charge, subject to every limit."""
    job = await _job_for(interaction, job_id, requester_or_mod=True)
    if job is None:
        return
    services = services_of(interaction)
    image = await services.store.input_image(job.id) if job.kind == "image" else None
    if job.kind == "image" and image is None:
        await _private(interaction, "button.picture_gone")  # pruned after INPUT_RETENTION_DAYS
        return
    await start_from_interaction(
        interaction, services, prompt=job.prompt, options=job.options, image=image, parent_id=job.id
    )


class EditModal(PromptForm):
    """Edit & retry: the prompt, filled in."""

    def __init__(self, job_id: str, prompt: str, lang: str) -> None:
        super().__init__(
            job_id,
            prompt,
            custom_id=f"rb:editmodal:{job_id}",
            title=t("modal.edit.title", lang),
            label=t("modal.edit.prompt", lang),
        )

    async def on_submit(self, interaction: discord.Interaction, /) -> None:
        """Start the new job with the edited prompt."""
        job = await _job_for(interaction, self.job_id, requester_or_mod=True)
        if job is None:
            return
        services = services_of(interaction)
        image = await services.store.input_image(job.id) if job.kind == "image" else None
        if job.kind == "image" and image is None:  # pruned: never make a text video of an animation
            await _private(interaction, "button.picture_gone")
            return
        await start_from_interaction(
            interaction,
            services,
            prompt=str(self.prompt.value or ""),
            options=job.options,
            image=image,
            parent_id=job.id,
        )


async def on_edit(interaction: discord.Interaction, job_id: str) -> None:
    """Open the edit modal (a modal must be the first answer, so nothing is deferred)."""
    job = await _job_for(interaction, job_id, requester_or_mod=True)
    if job is not None:
        await interaction.response.send_modal(EditModal(job.id, job.prompt, interaction.locale.value))


async def on_del(interaction: discord.Interaction, job_id: str) -> None:
    """Ask first, privately: one stray click deletes nothing."""
    job = await _job_for(interaction, job_id, requester_or_mod=True)
    if job is None:
        return
    lang = interaction.locale.value
    await interaction.response.send_message(
        t("button.delete_confirm", lang), view=delete_confirm_view(job, lang), ephemeral=True
    )


async def on_delok(interaction: discord.Interaction, job_id: str) -> None:
    """Confirmed: the requester or a moderator deletes the video message."""
    job = await _job_for(interaction, job_id, requester_or_mod=True)
    if job is None:
        return
    await interaction.response.defer()  # answers the private question; it is edited below
    channel = interaction.client.get_partial_messageable(job.delivery.channel_id, guild_id=job.guild_id)
    try:
        await channel.get_partial_message(job.delivery.message_id).delete()
    except discord.NotFound:
        pass  # already gone
    except discord.HTTPException as exc:
        log.warning("job %s: could not delete the reply (%s %s)", job.id, exc.status, exc.code)
    await services_of(interaction).jobs.modlog.event(job.guild_id, "deleted", job=job, by=interaction.user.id)
    await interaction.edit_original_response(content=t("button.deleted", interaction.locale.value), view=None)


async def on_delno(interaction: discord.Interaction, job_id: str) -> None:
    """Not confirmed: the video stays."""
    await interaction.response.edit_message(content=t("button.delete_kept", interaction.locale.value), view=None)


class ReportModal(discord.ui.Modal):
    """Report: an optional reason for the moderators."""

    def __init__(self, job_id: str, lang: str) -> None:
        super().__init__(title=t("modal.report.title", lang)[:45], custom_id=f"rb:reportmodal:{job_id}")
        self.job_id = job_id
        self.reason: discord.ui.TextInput[ReportModal] = discord.ui.TextInput(
            label=t("modal.report.reason", lang)[:45], required=False, max_length=300, style=discord.TextStyle.paragraph
        )
        self.add_item(self.reason)

    async def on_submit(self, interaction: discord.Interaction, /) -> None:
        """Send the report to the log channel, with Delete and Block for moderators."""
        job = await _job_for(interaction, self.job_id, requester_or_mod=False)
        if job is None:
            return
        told = await services_of(interaction).jobs.modlog.event(
            job.guild_id, "reported", job=job, by=interaction.user.id, detail={"reason": str(self.reason.value or "")}
        )
        await _private(interaction, "button.reported" if told else "button.report_nowhere")  # never claim it arrived


async def on_report(interaction: discord.Interaction, job_id: str) -> None:
    """Anyone can report a video to the moderators."""
    job = await _job_for(interaction, job_id, requester_or_mod=False)
    if job is not None:
        await interaction.response.send_modal(ReportModal(job.id, interaction.locale.value))


async def on_cancel(interaction: discord.Interaction, job_id: str) -> None:
    """The requester (or a moderator) cancels: at once before it was sent; once sent, the provider decides."""
    job = await _job_for(interaction, job_id, requester_or_mod=True)
    if job is None:
        return
    try:
        result, job = await services_of(interaction).jobs.cancel(job.id, by=interaction.user.id)
    except LookupError:
        await _private(interaction, "button.gone")
        return
    if result is Cancel.SENT:
        await _private(interaction, "button.cancel_sent", price=format_credits(job.price))
    elif result is Cancel.FINISHED:
        await _private(interaction, "button.too_late_cancel")
    elif job.charge is Charge.RELEASED:
        await _private(interaction, "button.cancelled_released", price=format_credits(job.price))
    else:
        await _private(interaction, "button.cancelled")


async def _moderators_only(interaction: discord.Interaction) -> bool:
    if await _moderator(interaction):
        return True
    await _private(interaction, "button.only_moderators")
    return False


async def _decide(interaction: discord.Interaction, job_id: str, *, approve: bool) -> None:
    """Approve or reject a pending request from the log channel, then mark the log entry decided."""
    if not await _moderators_only(interaction):
        return
    jobs = services_of(interaction).jobs
    lang = (await jobs.policy(interaction.guild_id or 0)).locale
    try:
        if approve:
            await jobs.approve(job_id, by=interaction.user.id)
        else:
            await jobs.reject(job_id, by=interaction.user.id)
    except LookupError:
        await _private(interaction, "button.already_decided")
        return
    except UserFacingError as err:  # approval: the request no longer fits a budget or limit
        await _private(interaction, "button.approve_failed", reason=refusal(err, interaction.locale.value))
        return
    decided = t("button.approved" if approve else "button.rejected", lang, who=interaction.user.mention)
    before = interaction.message.content if interaction.message else ""
    await interaction.response.edit_message(view=None, content=f"{before}\n{decided}")


async def on_approve(interaction: discord.Interaction, job_id: str) -> None:
    """A moderator approves a pending request from the log channel."""
    await _decide(interaction, job_id, approve=True)


async def on_reject(interaction: discord.Interaction, job_id: str) -> None:
    """A moderator rejects a pending request from the log channel."""
    await _decide(interaction, job_id, approve=False)


async def on_mdel(interaction: discord.Interaction, job_id: str) -> None:
    """A moderator deletes a reported video from the log channel."""
    if not await _moderators_only(interaction):
        return
    job = await _job_for(interaction, job_id, requester_or_mod=False)
    if job is None:
        return
    await interaction.response.defer(ephemeral=True, thinking=True)
    channel = interaction.client.get_partial_messageable(job.delivery.channel_id, guild_id=job.guild_id)
    with contextlib.suppress(discord.NotFound):  # already gone
        await channel.get_partial_message(job.delivery.message_id).delete()
    await services_of(interaction).jobs.modlog.event(job.guild_id, "deleted", job=job, by=interaction.user.id)
    await _private(interaction, "button.deleted")


async def on_block(interaction: discord.Interaction, job_id: str) -> None:
    """A moderator blocks the requester of a reported video."""
    if not await _moderators_only(interaction):
        return
    job = await _job_for(interaction, job_id, requester_or_mod=False)
    if job is None:
        return
    jobs = services_of(interaction).jobs
    policy = await jobs.policy(job.guild_id)
    reason = t("mod.block_reason_report", policy.locale, job=job.id)
    await jobs.update_policy(  # merged into the rules as stored, so a concurrent change is not lost
        job.guild_id,
        by=interaction.user.id,
        what="blocked members",
        change=lambda current: {"blocked": {**current.blocked, job.user_id: reason}},
    )
    await jobs.modlog.event(job.guild_id, "blocked", job=job, by=interaction.user.id, detail={"reason": reason})
    await _private(interaction, "button.blocked", who=f"<@{job.user_id}>")
