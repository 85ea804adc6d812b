"""A job as one Discord reply: queued → generating → the video (or a clear reason), in the
requester's language, with the buttons that fit its state."""

from __future__ import annotations

from dataclasses import dataclass

import discord

from bot.jobs.notify import JobView
from bot.models import Charge, ErrorCode, Job, JobState, Quota, format_credits
from bot.ui import buttons
from bot.ui.i18n import DEFAULT, t
from bot.ui.text import failure, notice, options_summary, settings_used, ts

BAR_CELLS = 12
_COLOURS = {"queued": 0x95A5A6, "working": 0x5865F2, "done": 0x57F287, "failed": 0xED4245}


@dataclass(frozen=True)
class Rendered:
    """The content, embed and buttons of a reply (the file, if any, is added by the notifier)."""

    content: str | None
    embed: discord.Embed
    view: discord.ui.View | None = None


def mentions_for(user_id: int) -> discord.AllowedMentions:
    """Allow pinging the requester and nobody else, whatever the prompt says."""
    return discord.AllowedMentions(everyone=False, roles=False, replied_user=False, users=[discord.Object(id=user_id)])


def progress_bar(fraction: float) -> str:
    """Return a text bar such as ▰▰▰▱▱▱ 50%."""
    filled = round(max(0.0, min(1.0, fraction)) * BAR_CELLS)
    return "▰" * filled + "▱" * (BAR_CELLS - filled) + f" {round(fraction * 100)}%"


def _base(job: Job, title: str, colour: str, *, made: bool = False) -> discord.Embed:
    lang = job.locale
    embed = discord.Embed(title=title, colour=_COLOURS[colour], description=_quote(job))
    embed.add_field(name=t("job.requested_by", lang), value=f"<@{job.user_id}>", inline=True)
    if made:  # the finished video: everything it was made with, defaults included
        embed.add_field(name=t("job.made_with", lang), value=settings_used(job.options, job.kind, lang), inline=True)
    else:
        embed.add_field(name=t("job.settings", lang), value=options_summary(job.options, lang), inline=True)
    if job.options.continues:  # Extend: link the clip this one continues
        embed.add_field(name=t("job.continues", lang), value=job.options.continues, inline=False)
    embed.set_footer(text=t("job.footer", lang, id=job.id))
    return embed


def _quote(job: Job) -> str:
    if not job.prompt:
        return t("job.animating", job.locale)
    lead = "🖼️ " if job.kind == "image" else ""
    return lead + discord.utils.escape_markdown(job.prompt)


def render(view: JobView, server_lang: str = DEFAULT) -> Rendered:
    """Render a job in any state: the text in the requester's language, the buttons (seen by everyone) in
    the server's."""
    job, lang = view.job, view.job.locale
    if job.state is JobState.AWAITING_APPROVAL:
        embed = _base(job, t("job.awaiting.title", lang), "queued")
        body = t("job.awaiting.body", lang) + "\n" + t("job.awaiting.expires", lang, when=ts(job.deadline_at))
        embed.add_field(name=t("job.waiting", lang), value=body, inline=False)
        return Rendered(None, embed, buttons.waiting_view(job, server_lang))
    if job.state is JobState.QUEUED:
        embed = _base(job, t("job.queued.title", lang, position=max(1, view.position)), "queued")
        embed.add_field(name=t("job.requested", lang), value=ts(job.created_at), inline=True)
        if view.notice:
            embed.add_field(name=t("job.waiting", lang), value=notice(view.notice, lang), inline=False)
        embed.set_footer(text=t("job.footer_reserved", lang, id=job.id, price=format_credits(job.price)))
        return Rendered(None, embed, buttons.waiting_view(job, server_lang))
    if job.state in (JobState.SUBMITTING, JobState.SUBMITTED, JobState.PROCESSING):
        embed = _base(job, t("job.working.title", lang), "working")
        started = job.submitted_at or job.created_at
        eta = started + view.expected_s
        embed.add_field(name=t("job.progress", lang), value=progress_bar(view.progress), inline=False)
        when = t("job.expected", lang, when=ts(eta)) if eta > view.now else t("job.any_moment", lang)
        embed.add_field(name=t("job.started", lang), value=f"{ts(started)} · {when}", inline=False)
        if view.notice:
            embed.add_field(name=t("job.waiting", lang), value=notice(view.notice, lang), inline=False)
        return Rendered(None, embed, discord.ui.View())  # no buttons while at the provider
    if job.state in (JobState.SUCCEEDED, JobState.DELIVERED):
        return _success(view, server_lang)
    return _failure(view, server_lang)


def _success(view: JobView, server_lang: str) -> Rendered:
    job, lang = view.job, view.job.locale
    embed = _base(job, t("job.done.title", lang), "done", made=True)
    took = (job.finished_at or view.now) - job.created_at
    embed.add_field(name=t("job.took", lang), value=t("job.took_value", lang, seconds=round(took)), inline=True)
    cost = t("job.cost_value", lang, price=format_credits(job.price))
    if view.budget_left is not None:
        cost = t("job.cost_left", lang, price=format_credits(job.price), left=format_credits(view.budget_left))
    embed.add_field(name=t("job.cost", lang), value=cost, inline=True)
    if job.cover_url:
        embed.set_thumbnail(url=job.cover_url)
    content = t("job.ready", lang, user=job.user_id)
    if view.notice == "late":
        content += "\n" + t("job.arrived_late", lang)
    if view.notice == "download_failed" and job.video_url:
        content += "\n" + t("job.link_failed", lang, url=job.video_url)
    elif view.video is None and job.video_url:
        content += "\n" + t(
            "job.link_too_large", lang, limit=job.delivery.upload_limit // (1024 * 1024), url=job.video_url
        )
    return Rendered(content, embed, buttons.result_view(job, server_lang))


def _failure(view: JobView, server_lang: str) -> Rendered:
    job, lang = view.job, view.job.locale
    if job.error_code == ErrorCode.CANCELLED:
        title = t("job.cancelled.title", lang)
    elif job.state is JobState.EXPIRED:
        title = t("job.timed_out.title", lang)
    else:
        title = t("job.failed.title", lang)
    embed = _base(job, title, "failed")
    embed.add_field(name=t("job.what_happened", lang), value=failure(job.error_code, lang), inline=False)
    charged = job.charge is Charge.RESERVED  # exactly what the ledger holds for it
    cost = t("job.cost_kept", lang, price=format_credits(job.price)) if charged else t("job.cost_nothing", lang)
    embed.add_field(name=t("job.cost", lang), value=cost, inline=True)
    return Rendered(f"<@{job.user_id}>", embed, buttons.retry_view(job, server_lang))


def quota_embed(quota: Quota, lang: str, prices: dict[str, int]) -> discord.Embed:
    """Render what is left for a member and their server, and what each model costs there."""
    embed = discord.Embed(title=t("quota.title", lang), colour=_COLOURS["working"])
    today = t(
        "quota.server_value",
        lang,
        left=format_credits(quota.guild_left),
        cap=format_credits(quota.guild_cap),
        reset=ts(quota.guild_resets_at),
    )
    embed.add_field(
        name=t("quota.server_today", lang),
        inline=False,
        value=t("quota.server_uncapped", lang) if quota.guild_uncapped else today,
    )
    if quota.month_cap is not None:
        embed.add_field(
            name=t("quota.server_month", lang),
            inline=False,
            value=t(
                "quota.month_value",
                lang,
                left=format_credits(max(0, quota.month_cap - quota.month_spent)),
                cap=format_credits(quota.month_cap),
                reset=ts(quota.month_resets_at),
            ),
        )
    if quota.member_limit is None:
        mine = t("quota.you_unlimited", lang)
    else:
        mine = t("quota.you_value", lang, left=quota.member_left, limit=quota.member_limit)
    if quota.member_daily_limit is not None:
        mine += t("quota.you_today", lang, used=quota.member_used_today, limit=quota.member_daily_limit)
    if quota.member_resets_at:
        mine += t("quota.next", lang, reset=ts(quota.member_resets_at))
    embed.add_field(name=t("quota.you", lang), value=mine, inline=False)
    lines = [t("quota.price_line", lang, model=m, price=format_credits(p)) for m, p in prices.items()]
    embed.add_field(name=t("quota.prices", lang), value="\n".join(lines) or "—", inline=False)
    return embed
