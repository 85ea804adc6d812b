"""The log channel: every request, approval, refusal, result, report, setting change and budget alert,
with who, what prompt and which cost — in the server's language. Never raises."""

from __future__ import annotations

import base64
import binascii
import io
import logging

import discord

from bot.errors import UserFacingError
from bot.jobs.notify import LogEvent
from bot.models import Job, JobState, format_credits
from bot.store.base import POLICY_TTL_S
from bot.store.sql import SqlStore
from bot.ui.buttons import approval_view, report_view
from bot.ui.i18n import t
from bot.ui.settings_text import setting_changes
from bot.ui.text import failure, options_summary, refusal, rule_name, ts

log = logging.getLogger(__name__)

_PROMPT_MAX = 300


def jump_url(job: Job) -> str:
    """Return the link to a job's reply."""
    d = job.delivery
    return f"https://discord.com/channels/{d.guild_id}/{d.channel_id}/{d.message_id}"


def _prompt(job: Job) -> str:
    text = job.prompt if len(job.prompt) <= _PROMPT_MAX else job.prompt[:_PROMPT_MAX] + "…"
    return f"“{discord.utils.escape_markdown(text)}”" if text else "—"


def picture_file(data_uri: str | None) -> discord.File | None:
    """Return an image job's (normalised) picture as an attachment, or None."""
    if not data_uri or not data_uri.startswith("data:image/") or ";base64," not in data_uri:
        return None
    head, _, body = data_uri.partition(";base64,")
    ext = head.removeprefix("data:image/").split("+")[0] or "png"
    try:
        return discord.File(io.BytesIO(base64.b64decode(body, validate=True)), f"picture.{ext}")
    except (binascii.Error, ValueError):
        return None


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
    ) -> bool:
        """Post one event to the log channel; return True when the moderators can see it."""
        try:
            policy = await self._store.get_policy(guild_id, max_age_s=POLICY_TTL_S)
            if policy.log_channel is None:
                return False
            text, view = self._format(kind, policy.locale, job=job, by=by, detail=detail or {})
            if not text:
                return False
            file = None
            if kind == "approval_requested" and job is not None and job.kind == "image":
                file = picture_file(await self._store.input_image(job.id))
            channel = self._client.get_partial_messageable(policy.log_channel, guild_id=guild_id)
            await channel.send(
                content=text[:2000],
                view=view or discord.utils.MISSING,
                file=file or discord.utils.MISSING,
                allowed_mentions=discord.AllowedMentions.none(),
            )
        except Exception:
            log.warning("guild %s: could not post %s to the log channel", guild_id, kind, exc_info=True)
            return False
        return True

    def _format(
        self, kind: LogEvent, lang: str, *, job: Job | None, by: int | None, detail: dict[str, object]
    ) -> tuple[str, discord.ui.View | None]:
        common: dict[str, object] = {"by": by or 0}
        if job is not None:
            common.update(
                job=job.id,
                user=job.user_id,
                prompt=_prompt(job),
                kind=t(f"kind.{job.kind}", lang),
                cost=format_credits(job.price),
                link=jump_url(job),
            )
        if kind == "approval_requested" and job is not None:
            text = t(
                "log.approval_requested",
                lang,
                settings=options_summary(job.options, lang),
                expires=ts(job.deadline_at),
                **common,
            )
            return text, approval_view(job, lang)
        if kind == "reported" and job is not None:
            return t("log.reported", lang, reason=detail.get("reason") or "—", **common), report_view(job, lang)
        if kind == "refused":
            err = detail.get("error")
            reason = refusal(err, lang) if isinstance(err, UserFacingError) else str(err)
            return t("log.refused", lang, user=by or 0, rule=rule_name(err, lang), reason=reason), None
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
            return "\n".join(setting_changes(detail, lang, by=by or 0)), None
        if kind == "blocked":
            return t("log.blocked", lang, reason=detail.get("reason", ""), **common), None
        return t(f"log.{kind}", lang, **common), None
