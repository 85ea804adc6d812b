"""/reelbot-mod usage and job: reports for moderators (a mixin of the Moderators cog)."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands

from bot.models import format_credits
from bot.spending.budget import budget_month, previous_month
from bot.ui.chart import spend_chart
from bot.ui.i18n import t
from bot.ui.modlog import jump_url
from bot.ui.replies import say_privately
from bot.ui.text import failure, ts

if TYPE_CHECKING:
    from bot.models import GuildPolicy
    from bot.services import Services


class ReportCommands:
    """Usage reports and job lookup; the Moderators cog supplies services and the permission check."""

    services: Services

    async def _policy(self, interaction: discord.Interaction) -> tuple[GuildPolicy, str]:
        raise NotImplementedError

    @app_commands.command(  # type: ignore[type-var]  # a mixin: the Moderators cog is the real owner
        name="usage", description="Spend and videos per member and per day, with a chart"
    )
    @app_commands.describe(period="This month or last month")
    async def usage(self, interaction: discord.Interaction, period: Literal["this", "last"] = "this") -> None:
        """Report usage for a month, as text and a chart."""
        assert interaction.guild_id is not None
        policy, lang = await self._policy(interaction)
        now = discord.utils.utcnow().timestamp()
        month, _ = budget_month(now, policy.timezone)
        if period == "last":
            month = previous_month(now, policy.timezone)
        per_day, members = await self.services.store.usage(interaction.guild_id, month)
        count = sum(n for n, _ in per_day.values())
        spent = sum(s for _, s in per_day.values())
        head = t(f"usage.period_{period}", lang, month=month)
        lines = [f"**{head}** — " + t("usage.total", lang, count=count, spent=format_credits(spent))]
        if members:
            lines.append(f"**{t('usage.members', lang)}**")
            lines += [t("usage.member_line", lang, user=u, count=n, spent=format_credits(s)) for u, n, s in members]
            lines.append(f"**{t('usage.days', lang)}**")
            lines += [
                t("usage.day_line", lang, day=d[5:], count=n, spent=format_credits(s))
                for d, (n, s) in sorted(per_day.items())
            ]
        else:
            lines.append(t("usage.nobody", lang))
        png = spend_chart(month, {d: s for d, (_, s) in per_day.items()}, t("usage.chart_title", lang))
        embed = discord.Embed(title=t("usage.title", lang), description="\n".join(lines)[:4000], colour=0x5865F2)
        embed.set_image(url="attachment://usage.png")
        await interaction.response.send_message(
            embed=embed, file=discord.File(io.BytesIO(png), "usage.png"), ephemeral=True
        )

    @app_commands.command(  # type: ignore[type-var]
        name="job", description="Look up any job in this server by its id"
    )
    @app_commands.describe(id="The job's id, from the footer of its reply")
    async def job(self, interaction: discord.Interaction, id: app_commands.Range[str, 1, 20]) -> None:
        """Show a job's state, requester, prompt, cost and timings."""
        _, lang = await self._policy(interaction)
        job = await self.services.store.get_job(id.strip().lower())
        if job is None or job.guild_id != interaction.guild_id:
            await say_privately(interaction, t("mod.job_missing", lang, id=discord.utils.escape_markdown(id)))
            return
        never = t("mod.job_never", lang)
        embed = discord.Embed(title=t("mod.job_title", lang, id=job.id), url=jump_url(job), colour=0x5865F2)
        embed.add_field(
            name=t("mod.job_state", lang),
            value=t(f"state.{job.state.value}", lang) + (f" · {failure(job.error_code, lang)}" * bool(job.error_code)),
        )
        embed.add_field(name=t("mod.job_requester", lang), value=f"<@{job.user_id}>")
        cost = t("mod.credits", lang, amount=format_credits(job.price))
        embed.add_field(name=t("mod.job_cost", lang), value=f"{cost} · {t(f'charge.{job.charge.value}', lang)}")
        embed.add_field(
            name=t("mod.job_prompt", lang), value=discord.utils.escape_markdown(job.prompt)[:1000] or "—", inline=False
        )
        embed.add_field(
            name=t("mod.job_times", lang),
            inline=False,
            value=t(
                "mod.job_times_value",
                lang,
                created=ts(job.created_at, "f"),
                submitted=ts(job.submitted_at, "f") if job.submitted_at else never,
                finished=ts(job.finished_at, "f") if job.finished_at else never,
            ),
        )
        await interaction.response.send_message(embed=embed, ephemeral=True)
