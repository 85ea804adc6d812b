"""The log channel: every request, approval, refusal, result, report, setting change and budget alert,
with who, what prompt and which cost — in the server's language. Never raises."""

from __future__ import annotations

import logging

import discord

from bot.errors import UserFacingError
from bot.jobs.notify import LogEvent
from bot.models import Job, JobState, format_credits
from bot.store.sql import SqlStore
from bot.ui.buttons import approval_view, report_view
from bot.ui.i18n import t
from bot.ui.text import failure, refusal

log = logging.getLogger(__name__)

_PROMPT_MAX = 300


def jump_url(job: Job) -> str:
    """Return the link to a job's reply."""
    d = job.delivery
    return f"https://discord.com/channels/{d.guild_id}/{d.channel_id}/{d.message_id}"


def _prompt(job: Job) -> str:
    text = job.prompt if len(job.prompt) <= _PROMPT_MAX else job.prompt[:_PROMPT_MAX] + "…"
    return f"“{discord.utils.escape_markdown(text)}”" if text else "—"


class DiscordModLog:
    """Posts moderation events to the server's log channel with the bot token."""

    def __init__(self, client: discord.Client, store: SqlStore) -> None:
        self._client = client
        self._store = store

    async def event(
        self,
        guild_id: int,
        kind: LogEvent,
        *,
        job: Job | None = None,
        by: int | None = None,
        detail: dict[str, object] | None = None,
    ) -> None:
        """Post one event to the log channel, if the server has one."""
        try:
            policy = await self._store.get_policy(guild_id)
            if policy.log_channel is None:
                return
            text, view = self._format(kind, policy.locale, job=job, by=by, detail=detail or {})
            channel = self._client.get_partial_messageable(policy.log_channel, guild_id=guild_id)
            await channel.send(
                content=text[:2000], view=view or discord.utils.MISSING, allowed_mentions=discord.AllowedMentions.none()
            )
        except Exception:
            log.warning("guild %s: could not post %s to the log channel", guild_id, kind, exc_info=True)

    def _format(
        self, kind: LogEvent, lang: str, *, job: Job | None, by: int | None, detail: dict[str, object]
    ) -> tuple[str, discord.ui.View | None]:
        common: dict[str, object] = {"by": by or 0}
        if job is not None:
            common.update(
                job=job.id,
                user=job.user_id,
                prompt=_prompt(job),
                kind=job.kind,
                cost=format_credits(job.price),
                link=jump_url(job),
            )
        if kind == "approval_requested" and job is not None:
            return t("log.approval_requested", lang, **common), approval_view(job, lang)
        if kind == "reported" and job is not None:
            return t("log.reported", lang, reason=detail.get("reason") or "—", **common), report_view(job, lang)
        if kind == "refused":
            err = detail.get("error")
            reason = refusal(err, lang) if isinstance(err, UserFacingError) else str(err)
            rule = getattr(err, "rule", type(err).__name__)
            return t("log.refused", lang, user=by or 0, rule=rule, reason=reason), None
        if kind == "result" and job is not None:
            if job.state is JobState.DELIVERED:
                return t("log.result_ok", lang, **common), None
            return t("log.result_failed", lang, reason=failure(job.error_code, lang), **common), None
        if kind == "budget_alert":
            period = t(f"log.period_{detail['period']}", lang)
            spent, cap = detail["spent"], detail["cap"]
            assert isinstance(spent, int) and isinstance(cap, int)
            text = t(
                "log.budget_alert",
                lang,
                period=period,
                percent=detail["percent"],
                spent=format_credits(spent),
                cap=format_credits(cap),
            )
            return text, None
        if kind == "setting":
            return t("log.setting", lang, what=detail.get("what", "?"), **common), None
        if kind == "blocked":
            return t("log.blocked", lang, reason=detail.get("reason", ""), **common), None
        return t(f"log.{kind}", lang, **common), None
