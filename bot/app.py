"""ReelBot and the composition root: settings, session, store, provider, runner and notifier are
built once here and handed down (no globals)."""

from __future__ import annotations

import logging
import pkgutil

import aiohttp
import discord
import yarl
from discord import app_commands
from discord.ext import commands

import cogs
from bot.config import DEFAULT_DISCORD_API_BASE, Settings
from bot.errors import ConfigError
from bot.health import HealthChecks, HealthServer
from bot.jobs.enhance import PromptEnhancer
from bot.jobs.runner import Runner, RunnerSettings, default_owner
from bot.jobs.service import JobService
from bot.metrics import DISCORD_429
from bot.provider.chat import ChatClient
from bot.provider.client import CogVideoClient
from bot.retention import InputPruner
from bot.services import Services
from bot.spending.budget import SpendingPolicy
from bot.store import SqlStore, open_store
from bot.ui.i18n import CatalogTranslator
from bot.ui.modlog import DiscordModLog
from bot.ui.notifier import DiscordNotifier
from bot.ui.replies import on_tree_error
from bot.ui.sync import sync_commands
from cogs._access import ModeratorAccess

log = logging.getLogger(__name__)

# What the bot needs in a channel: see and answer, embed the progress card, attach the video,
# reply to a member's message, and work in threads. No privileged intents, no admin rights.
INVITE_PERMISSIONS = discord.Permissions(
    view_channel=True,
    send_messages=True,
    send_messages_in_threads=True,
    embed_links=True,
    attach_files=True,
    read_message_history=True,
)


class ReelBot(commands.AutoShardedBot):
    """The Discord client: loads the cogs, runs the job runner, syncs commands when they change."""

    def __init__(
        self,
        settings: Settings,
        session: aiohttp.ClientSession,
        store: SqlStore,
        *,
        serve: bool = True,
        http_trace: aiohttp.TraceConfig | None = None,
    ) -> None:
        intents = discord.Intents.none()
        intents.guilds = True
        intents.guild_messages = True  # mention replies ("@reelbot a prompt" with a picture)
        intents.message_content = settings.message_content_intent
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents,
            help_command=None,
            allowed_mentions=discord.AllowedMentions.none(),
            member_cache_flags=discord.MemberCacheFlags.none(),
            chunk_guilds_at_startup=False,
            # Budgets are per server, and only there can the bot token finish a job after 15 minutes.
            allowed_contexts=app_commands.AppCommandContext(guild=True, dm_channel=False, private_channel=False),
            allowed_installs=app_commands.AppInstallationType(guild=True, user=False),
            shard_count=settings.shard_count,
            shard_ids=list(settings.shard_ids) if settings.shard_ids is not None else None,  # type: ignore[arg-type]
            http_trace=http_trace,  # type: ignore[arg-type]
        )
        self._serve = serve  # False: commands only (``reelbot sync``), no runner, no automatic sync
        self.settings = settings
        self._session = session
        self._store = store
        self.services: Services | None = None
        self._pruner = InputPruner(store, retention_days=settings.input_retention_days)
        self._notifier: DiscordNotifier | None = None
        self.moderators = ModeratorAccess(self, command_guild_id=settings.dev_guild_id)

    async def setup_hook(self) -> None:
        """Build the services, load every cog, start the runner, sync commands if they changed."""
        s = self.settings
        policy = SpendingPolicy(
            price=s.price_per_video, daily_budget=s.guild_daily_budget, hourly_limit=s.user_hourly_limit
        )
        notifier = self._notifier = DiscordNotifier(self, self._session, self._store)
        modlog = DiscordModLog(self, self._store)
        client = CogVideoClient(
            self._session, base_url=s.video_api_base, api_key=s.video_api_key, watermark=s.video_watermark
        )
        runner = Runner(
            self._store,
            client,
            notifier,
            policy,
            owner=default_owner(s.instance),
            modlog=modlog,
            video_dir=s.data_dir / "videos",
            settings=RunnerSettings(
                max_in_flight=s.provider_max_in_flight,
                poll_min_s=s.poll_min_interval,
                poll_max_s=s.poll_max_interval,
                progress_every_s=s.progress_edit_interval,
                lease_s=s.lease_seconds,
                late_grace_s=s.late_grace_seconds,
                failed_keeps_price=s.failed_generations_charged,
            ),
        )
        jobs = JobService(self._store, policy, deadline_s=s.job_deadline_seconds, wake=runner.wake, modlog=modlog)
        chat = (
            ChatClient(
                self._session, base_url=s.chat_api_base, api_key=s.video_api_key, model=s.catalogue.chat_model,
                max_tokens=s.catalogue.chat_max_tokens, timeout_s=s.enhance_timeout_seconds,
            )
            if s.enhance
            else None
        )  # fmt: skip
        enhancer = PromptEnhancer(chat, per_hour=s.enhance_per_hour)
        self.services = Services(s, self._session, self._store, jobs, runner, notifier, policy, enhancer)
        self.tree.on_error = on_tree_error  # type: ignore[method-assign]
        await self.tree.set_translator(CatalogTranslator())
        for module in pkgutil.iter_modules(cogs.__path__, "cogs."):
            if not module.name.rsplit(".", 1)[-1].startswith("_"):
                await self.load_extension(module.name)
        if not self._serve:
            return
        runner.start()
        self._pruner.start()
        if s.syncs_commands:
            await sync_commands(
                self, data_dir=s.data_dir, api_base=s.discord_api_base, guild_id=s.dev_guild_id, force=False
            )
            self.moderators.forget_commands()
        if self.application_id:
            url = discord.utils.oauth_url(
                self.application_id, permissions=INVITE_PERMISSIONS, scopes=("bot", "applications.commands")
            )
            log.info("invite link: %s", url)

    async def on_message(self, message: discord.Message, /) -> None:
        """Ignore prefix commands; mention replies are handled by cogs.generate."""

    async def on_raw_app_command_permissions_update(self, payload: discord.RawAppCommandPermissionsUpdateEvent) -> None:
        """A server changed who may run a command (Server Settings → Integrations)."""
        self.moderators.updated(payload)

    async def close(self) -> None:
        """Stop the runner before the HTTP session closes, so work in flight finishes cleanly."""
        await self._pruner.stop()
        if self.services is not None:
            await self.services.runner.stop()
        if self._notifier is not None:
            await self._notifier.close()
        await super().close()


async def configure_discord_endpoints(settings: Settings, session: aiohttp.ClientSession) -> None:
    """Point discord.py at DISCORD_API_BASE (REST) and the matching gateway.

    discord.py dials its built-in gateway unless told otherwise, so a non-default base reads the
    gateway URL from ``{base}/gateway/bot`` (or DISCORD_GATEWAY_URL).
    """
    discord.http.Route.BASE = settings.discord_api_base
    if settings.discord_gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.discord_gateway_url)
        return
    if settings.discord_api_base == DEFAULT_DISCORD_API_BASE:
        return
    url = f"{settings.discord_api_base}/gateway/bot"
    try:
        async with session.get(url, headers={"Authorization": f"Bot {settings.discord_token}"}) as resp:
            if resp.status == 401:
                raise discord.LoginFailure("Improper token has been passed.")
            data = await resp.json(content_type=None)
    except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
        raise ConfigError(
            f"DISCORD_API_BASE={settings.discord_api_base} did not answer /gateway/bot "
            f"({type(exc).__name__}); set DISCORD_GATEWAY_URL or fix the base."
        ) from None
    if not isinstance(data, dict) or "url" not in data:
        raise ConfigError(
            f"DISCORD_API_BASE={settings.discord_api_base} returned no gateway url; set DISCORD_GATEWAY_URL."
        )
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(data["url"])


def count_discord_429s(discord_api_base: str) -> aiohttp.TraceConfig:
    """Return a trace that counts 429 answers from Discord (bot-token and interaction routes alike)."""
    host = yarl.URL(discord_api_base).host
    trace = aiohttp.TraceConfig()

    async def on_end(session: object, ctx: object, params: aiohttp.TraceRequestEndParams) -> None:
        if params.response.status == 429 and params.url.host == host:
            DISCORD_429.inc()

    trace.on_request_end.append(on_end)
    return trace


async def run(settings: Settings) -> None:
    """Run the bot until it is stopped."""
    timeout = aiohttp.ClientTimeout(total=120, sock_connect=10)
    trace = count_discord_429s(settings.discord_api_base)
    async with aiohttp.ClientSession(timeout=timeout, trace_configs=[trace]) as session:
        store = await open_store(settings.database_url)
        health: HealthServer | None = None
        try:
            await configure_discord_endpoints(settings, session)
            async with ReelBot(settings, session, store, http_trace=trace) as bot:
                if settings.metrics_port:
                    checks = HealthChecks(
                        gateway=lambda: bot.is_ready() and not bot.is_closed(),
                        store=store,
                        runner=lambda: bot.services is not None and bot.services.runner.alive,
                    )
                    health = HealthServer(checks, host=settings.metrics_host, port=settings.metrics_port)
                    await health.start()
                await bot.start(settings.discord_token)
        finally:
            if health is not None:
                await health.stop()
            await store.close()
