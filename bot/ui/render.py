"""A job as one Discord reply: queued → generating → the video (or a clear reason)."""

from __future__ import annotations

from dataclasses import dataclass

import discord

from bot.jobs.notify import JobView
from bot.models import Job, JobState, Quota, format_credits
from bot.ui.text import FAILURES, NOTICES, ts

BAR_CELLS = 12
_COLOURS = {"queued": 0x95A5A6, "working": 0x5865F2, "done": 0x57F287, "failed": 0xED4245}


@dataclass(frozen=True)
class Rendered:
    """The content and embed of a reply (the file, if any, is added by the notifier)."""

    content: str | None
    embed: discord.Embed


def mentions_for(user_id: int) -> discord.AllowedMentions:
    """Allow pinging the requester and nobody else, whatever the prompt says."""
    return discord.AllowedMentions(everyone=False, roles=False, replied_user=False, users=[discord.Object(id=user_id)])


def progress_bar(fraction: float) -> str:
    """Return a text bar such as ▰▰▰▱▱▱ 50%."""
    filled = round(max(0.0, min(1.0, fraction)) * BAR_CELLS)
    return "▰" * filled + "▱" * (BAR_CELLS - filled) + f" {round(fraction * 100)}%"


def _base(job: Job, title: str, colour: str) -> discord.Embed:
    embed = discord.Embed(title=title, colour=_COLOURS[colour], description=_quote(job.prompt, job.kind))
    embed.add_field(name="Requested by", value=f"<@{job.user_id}>", inline=True)
    embed.add_field(name="Settings", value=job.options.summary(), inline=True)
    embed.set_footer(text=f"job {job.id}")
    return embed


def _quote(prompt: str, kind: str) -> str:
    if not prompt:
        return "*animating the picture*"
    lead = "🖼️ " if kind == "image" else ""
    return lead + discord.utils.escape_markdown(prompt)


def render(view: JobView) -> Rendered:
    """Render a job in any state."""
    job = view.job
    if job.state is JobState.QUEUED:
        embed = _base(job, f"🎬 Queued — #{max(1, view.position)} in line", "queued")
        embed.add_field(name="Requested", value=ts(job.created_at), inline=True)
        if view.notice:
            embed.add_field(name="⚠️ Waiting", value=NOTICES.get(view.notice, view.notice), inline=False)
        embed.set_footer(text=f"job {job.id} · {format_credits(job.price)} credits reserved")
        return Rendered(None, embed)
    if job.state in (JobState.SUBMITTED, JobState.PROCESSING):
        embed = _base(job, "⏳ Generating your video…", "working")
        started = job.submitted_at or job.created_at
        eta = started + view.expected_s
        embed.add_field(name="Progress (estimated)", value=progress_bar(view.progress), inline=False)
        when = f"expected {ts(eta)}" if eta > view.now else "any moment now"
        embed.add_field(name="Started", value=f"{ts(started)} · {when}", inline=False)
        return Rendered(None, embed)
    if job.state in (JobState.SUCCEEDED, JobState.DELIVERED):
        return _success(view)
    return _failure(view)


def _success(view: JobView) -> Rendered:
    job = view.job
    embed = _base(job, "✅ Your video is ready", "done")
    took = (job.finished_at or view.now) - job.created_at
    embed.add_field(name="Took", value=f"{round(took)} s", inline=True)
    cost = f"{format_credits(job.price)} credits"
    if view.budget_left is not None:
        cost += f" · {format_credits(view.budget_left)} left today"
    embed.add_field(name="Cost", value=cost, inline=True)
    if job.cover_url:
        embed.set_thumbnail(url=job.cover_url)
    content = f"<@{job.user_id}> your video is ready."
    if view.notice == "download_failed" and job.video_url:
        content += f"\nI couldn't fetch the file to attach it, so here is a link:\n{job.video_url}"
    elif view.video is None and job.video_url:
        content += (
            f"\nIt's larger than this server's upload limit "
            f"({job.delivery.upload_limit // (1024 * 1024)} MB), so here is a link:\n{job.video_url}"
        )
    return Rendered(content, embed)


def _failure(view: JobView) -> Rendered:
    job = view.job
    reason = FAILURES.get(job.error_code or "", FAILURES["generation_failed"])
    title = "⌛ Timed out" if job.state is JobState.EXPIRED else "❌ No video this time"
    embed = _base(job, title, "failed")
    embed.add_field(name="What happened", value=reason, inline=False)
    charged = job.charge.value == "reserved"
    embed.add_field(name="Cost", value=f"{format_credits(job.price)} credits" if charged else "nothing", inline=True)
    return Rendered(f"<@{job.user_id}>", embed)


def quota_embed(quota: Quota) -> discord.Embed:
    """Render what is left for a member and their server."""
    embed = discord.Embed(title="Your video quota", colour=_COLOURS["working"])
    embed.add_field(
        name="This server today",
        value=(
            f"{format_credits(quota.guild_left)} of {format_credits(quota.guild_cap)} credits left "
            f"(a video costs {format_credits(quota.price)}) · resets {ts(quota.guild_resets_at)}"
        ),
        inline=False,
    )
    mine = f"{quota.member_left} of {quota.member_limit} videos left this hour"
    if quota.member_resets_at:
        mine += f" · next one {ts(quota.member_resets_at)}"
    embed.add_field(name="You", value=mine, inline=False)
    return embed
