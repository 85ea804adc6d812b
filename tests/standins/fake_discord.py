"""A small Discord: the REST routes and the Gateway that an unmodified discord.py 2.7 uses.

It keeps messages in memory, records every request, enforces the interaction rules that matter
(3-second acknowledgement, token lifetime → 401/50027), and lets a test send interactions and
messages through the gateway and wait for what the bot does in reply.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from tests.standins.discord_spec import problems
from tests.standins.ratelimits import RateLimiter
from tests.standins.serve import serve
from tests.standins.snowflake import snowflake

ISO = "2026-01-01T00:00:00+00:00"
PAYLOAD = web.RequestKey("payload", tuple[dict[str, Any], dict[str, bytes]])  # a body, once read
MANAGE_GUILD = 1 << 5
MEMBER_PERMS = (1 << 10) | (1 << 11) | (1 << 15) | (1 << 16) | (1 << 31)  # view, send, attach, history, app cmds


@dataclass
class Request:
    """One HTTP request the bot made."""

    method: str
    path: str
    at: float
    bot_auth: bool
    status: int = 200
    uploads: int = 0  # files the request carried


@dataclass
class Fault:
    """An error the stand-in answers instead of doing the request."""

    method: str
    pattern: re.Pattern[str]
    status: int
    code: int
    times: int
    retry_after: float | None = None
    multipart_only: bool = False  # only requests that upload a file


@dataclass
class Message:
    """A message in a channel, as the stand-in keeps it."""

    id: int
    channel_id: int
    content: str | None = None
    embeds: list[dict[str, Any]] = field(default_factory=list)
    attachments: list[dict[str, Any]] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)
    flags: int = 0
    author_id: int = 0
    interaction_token: str | None = None
    allowed_mentions: dict[str, Any] | None = None
    reference_id: int | None = None
    history: list[dict[str, Any]] = field(default_factory=list)  # every state, oldest first
    edits_by_token: int = 0
    edits_by_bot: int = 0
    components: list[dict[str, Any]] = field(default_factory=list)
    final_at: float | None = None  # when it first showed a final state (✅ ❌ ⌛ 🚫)

    def custom_ids(self) -> list[str]:
        """Return the custom ids of every button on the message."""
        return [c["custom_id"] for row in self.components for c in row.get("components", []) if "custom_id" in c]

    @property
    def title(self) -> str:
        return str(self.embeds[0].get("title", "")) if self.embeds else ""


@dataclass
class Interaction:
    """An interaction the stand-in sent, with its token's life."""

    id: int
    token: str
    created: float
    channel_id: int
    user_id: int = 0
    source_message_id: int | None = None  # for a button press or modal: the message it came from
    prompt: str = ""  # the "prompt" option, if any
    modal: dict[str, Any] | None = None  # the modal the bot opened in answer
    acked_at: float | None = None
    callback: dict[str, Any] | None = None
    message_id: int | None = None


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    # discord.py compares Content-Type to "application/json" exactly: no charset.
    return web.Response(
        body=json.dumps(data).encode(), status=status, headers={"Content-Type": "application/json", **(headers or {})}
    )


def _error(status: int, code: int, message: str) -> web.Response:
    return _json({"code": code, "message": message}, status)


class FakeDiscord:
    """REST under /api/v10 and a Gateway at /gw."""

    def __init__(
        self,
        *,
        bot_token: str = "bot-token-for-tests.abcdefghijklmnop",
        premium_tier: int = 0,
        token_ttl: float = 900.0,
        ack_deadline: float = 3.0,
        guild_shard: tuple[int, int] = (0, 1),
    ) -> None:
        self.bot_token = bot_token
        self.app_id = snowflake()
        self.bot_user = {
            "id": str(self.app_id),
            "username": "reelbot",
            "discriminator": "0",
            "avatar": None,
            "bot": True,
            "global_name": "reelbot",
        }
        self.guild_id = snowflake()
        while (self.guild_id >> 22) % guild_shard[1] != guild_shard[0]:  # a guild on the wanted shard
            self.guild_id = snowflake()
        self.channel_id = snowflake()
        self.log_channel_id = snowflake()  # a second text channel, for moderators
        self.forum_id = snowflake()  # a forum channel: each post in it is a thread
        self.threads: set[int] = set()  # threads and forum posts the bot may post in
        self.premium_tier = premium_tier
        self.guild_locale = "en-US"  # the server's language (Server Settings → Community → primary language)
        self.token_ttl = token_ttl
        self.ack_deadline = ack_deadline
        self.messages: dict[int, Message] = {}
        self.requests: list[Request] = []
        self.interactions: dict[str, Interaction] = {}
        self.app_commands: dict[int, list[dict[str, Any]]] = {}  # application id -> its synced commands
        self.identify: dict[str, Any] | None = None
        self.identified = asyncio.Event()
        self.close_code_on_identify: int | None = None
        self._sockets: list[web.WebSocketResponse] = []
        self._shards: dict[web.WebSocketResponse, tuple[int, int]] = {}
        self._seq = 0
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.base = ""
        self.cdn: dict[str, bytes] = {}
        self.faults: list[Fault] = []
        self.rate_limits: RateLimiter | None = None  # set to enforce Discord-like rate limits
        self.app_flags = 0  # application flags (1 << 18: the Message Content intent is on)
        self.dm_channels: dict[int, int] = {}  # DM channel id -> user id
        self.moderator_role_id = snowflake()  # a "Moderator" role with no special permissions of its own
        self.command_permissions: dict[int, list[dict[str, Any]]] = {}  # command or app id -> overrides
        self.invalid_bodies: list[str] = []  # bodies Discord's spec rejects (each answered 400 / 50035)
        self.upload_seconds = 0.0  # how long a request carrying a file takes (a slow uplink)

    @property
    def commands(self) -> list[dict[str, Any]]:
        """The commands synced to the current application (the list itself: tests may edit it)."""
        return self.app_commands.setdefault(self.app_id, [])

    @commands.setter
    def commands(self, value: list[dict[str, Any]]) -> None:
        self.app_commands[self.app_id] = value

    def new_application(self) -> int:
        """Become another application with its own bot token and no commands (an operator switching bots)."""
        self.app_id = snowflake()
        self.bot_user = {**self.bot_user, "id": str(self.app_id)}
        self.bot_token = f"other-bot-token-{self.app_id}.abcdefghijklmnop"
        return self.app_id

    # -- lifecycle -------------------------------------------------------------------------------

    async def start(self) -> str:
        app = web.Application(client_max_size=200 * 1024 * 1024)
        app.router.add_get("/gw", self._gateway)
        app.router.add_get("/cdn/{name}", self._cdn)
        app.router.add_route("*", "/api/v10/{tail:.*}", self._rest)
        self._runner, self.base = await serve(app)
        return self.base

    async def stop(self) -> None:
        for ws in list(self._sockets):
            await ws.close()
        if self._runner:
            await self._runner.cleanup()

    @property
    def api_base(self) -> str:
        return f"{self.base}/api/v10"

    def host_file(self, name: str, data: bytes) -> str:
        """Serve ``data`` as an attachment URL on the stand-in's CDN; return the URL."""
        self.cdn[name] = data
        return f"{self.base}/cdn/{name}"

    async def _cdn(self, request: web.Request) -> web.Response:
        data = self.cdn.get(request.match_info["name"])
        if data is None:
            return web.Response(status=404)
        return web.Response(body=data, content_type="application/octet-stream")

    # -- waiting ---------------------------------------------------------------------------------

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def wait_for(self, predicate: Callable[[], Any], timeout: float = 20.0, what: str = "") -> Any:
        """Wait until ``predicate()`` is truthy; return its value."""

        async def loop() -> Any:
            async with self._changed:
                while not (value := predicate()):
                    if self.invalid_bodies:  # fail the test that sent it now, not only at teardown
                        raise AssertionError("the bot sent bodies Discord rejects:\n" + "\n".join(self.invalid_bodies))
                    await self._changed.wait()
                return value

        try:
            return await asyncio.wait_for(loop(), timeout)
        except TimeoutError:
            raise AssertionError(f"timed out waiting for {what or predicate}") from None

    # -- the gateway -----------------------------------------------------------------------------

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._sockets.append(ws)
        await ws.send_json({"op": 10, "d": {"heartbeat_interval": 41250}})
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                data = json.loads(msg.data)
                op = data.get("op")
                if op == 1:
                    await ws.send_json({"op": 11})
                elif op == 2:
                    self.identify = data["d"]
                    shard = data["d"].get("shard") or [0, 1]
                    self._shards[ws] = (int(shard[0]), int(shard[1]))
                    if self.close_code_on_identify:
                        await ws.close(code=self.close_code_on_identify, message=b"Disallowed intent(s).")
                        break
                    await self._ready(ws)
                elif op == 6:
                    await ws.send_json({"op": 9, "d": False})
        finally:
            self._sockets.remove(ws)
            self._shards.pop(ws, None)
        return ws

    def _owns_guild(self, ws: web.WebSocketResponse) -> bool:
        shard_id, count = self._shards.get(ws, (0, 1))
        return (self.guild_id >> 22) % count == shard_id

    async def _ready(self, ws: web.WebSocketResponse) -> None:
        owns = self._owns_guild(ws)
        await self._send(
            ws,
            "READY",
            {
                "v": 10,
                "user": self.bot_user,
                "shard": list(self._shards.get(ws, (0, 1))),
                "guilds": [{"id": str(self.guild_id), "unavailable": True}] if owns else [],
                "session_id": "session-1",
                "resume_gateway_url": f"{self.base.replace('http', 'ws')}/gw",
                "application": {"id": str(self.app_id), "flags": 0},
            },
        )
        if owns:
            await self._send(ws, "GUILD_CREATE", self.guild_payload())
        self.identified.set()
        await self._notify()

    def guild_payload(self) -> dict[str, Any]:
        return {
            "id": str(self.guild_id),
            "name": "Test Server",
            "unavailable": False,
            "member_count": 1,
            "premium_tier": self.premium_tier,
            "preferred_locale": self.guild_locale,
            "owner_id": "1",
            "features": [],
            "emojis": [],
            "stickers": [],
            "roles": [
                {
                    "id": str(self.guild_id),
                    "name": "@everyone",
                    "permissions": str(MEMBER_PERMS),
                    "position": 0,
                    "color": 0,
                    "hoist": False,
                    "managed": False,
                    "mentionable": False,
                    "flags": 0,
                },
                {
                    "id": str(self.moderator_role_id),
                    "name": "Moderator",
                    "permissions": str(MEMBER_PERMS),
                    "position": 1,
                    "color": 0,
                    "hoist": False,
                    "managed": False,
                    "mentionable": False,
                    "flags": 0,
                },
            ],
            "channels": [
                {"id": str(self.channel_id), "type": 0, "name": "general", "position": 0, "permission_overwrites": []},
                {
                    "id": str(self.log_channel_id),
                    "type": 0,
                    "name": "mod-log",
                    "position": 1,
                    "permission_overwrites": [],
                },
                {
                    "id": str(self.forum_id),
                    "type": 15,
                    "name": "showcase",
                    "position": 2,
                    "permission_overwrites": [],
                    "available_tags": [],
                    "flags": 0,
                },
            ],
            "members": [
                {"user": self.bot_user, "roles": [], "flags": 0, "joined_at": ISO, "deaf": False, "mute": False}
            ],
            "threads": [],
            "voice_states": [],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "large": False,
        }

    async def drop_gateway(self) -> None:
        """Close every gateway connection as Discord does on a restart (the client resumes or re-identifies)."""
        for ws in list(self._sockets):
            await ws.close(code=4000, message=b"Unknown error")

    async def _send(self, ws: web.WebSocketResponse, event: str, data: dict[str, Any]) -> None:
        self._seq += 1
        await ws.send_json({"op": 0, "t": event, "s": self._seq, "d": data})

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Send a guild event to the gateway connection (shard) that serves the guild."""
        await self.wait_for(lambda: any(self._owns_guild(ws) for ws in self._sockets), what="the guild's shard")
        for ws in list(self._sockets):
            if self._owns_guild(ws):
                await self._send(ws, event, data)

    # -- what a test sends -----------------------------------------------------------------------

    def user(self, user_id: int | None = None, name: str = "member") -> dict[str, Any]:
        uid = user_id or snowflake()
        return {"id": str(uid), "username": name, "discriminator": "0", "avatar": None, "global_name": name}

    async def slash(
        self,
        name: str,
        options: list[dict[str, Any]] | None = None,
        *,
        user: dict[str, Any] | None = None,
        resolved: dict[str, Any] | None = None,
        permissions: int = MEMBER_PERMS,
        command_type: int = 1,
        target_id: int | None = None,
        dm: bool = False,
        locale: str = "en-US",
        guild_locale: str | None = None,
        kind: int = 2,
        message: Message | None = None,
        extra: dict[str, Any] | None = None,
        roles: tuple[int, ...] = (),
        channel: dict[str, Any] | None = None,
    ) -> Interaction:
        """Send an application command as a member (in ``channel``: a thread, say); return the interaction."""
        iid = snowflake()
        token = f"interaction-token-{iid}-{'x' * 40}"
        author = user or self.user()
        data: dict[str, Any] = (
            {"id": str(self._command_id(name)), "name": name, "type": command_type} if kind in (2, 4) else {}
        )
        if options:
            data["options"] = options
        if resolved:
            data["resolved"] = resolved
        if target_id is not None:
            data["target_id"] = str(target_id)
        data.update(extra or {})
        payload = {
            "id": str(iid),
            "application_id": str(self.app_id),
            "type": kind,
            "token": token,
            "version": 1,
            "attachment_size_limit": 10 * 1024 * 1024,
            "guild_id": str(self.guild_id),
            "channel_id": str(self.channel_id),
            "channel": {
                "id": str(self.channel_id),
                "type": 0,
                "name": "general",
                "guild_id": str(self.guild_id),
                "position": 0,
                "permission_overwrites": [],
            },
            "member": {
                "user": author,
                "roles": [str(r) for r in roles],
                "flags": 0,
                "joined_at": ISO,
                "permissions": str(permissions),
                "deaf": False,
                "mute": False,
            },
            "app_permissions": str(MEMBER_PERMS),
            "locale": locale,
            "guild_locale": guild_locale or self.guild_locale,
            "entitlements": [],
            "authorizing_integration_owners": {"0": str(self.guild_id)},
            "context": 0,
            "data": data,
        }
        channel_id = self.channel_id
        if channel is not None:
            channel_id = int(channel["id"])
            payload.update(channel_id=str(channel_id), channel=channel)
        if dm:  # the same command, sent from the member's DM with the bot
            channel_id = snowflake()
            self.dm_channels[channel_id] = int(author["id"])
            for key in ("guild_id", "member"):
                payload.pop(key)
            payload.update(
                user=author,
                channel_id=str(channel_id),
                context=1,
                channel={"id": str(channel_id), "type": 1, "recipients": [author]},
            )
        if message is not None:
            payload["message"] = self.message_json(message)
        interaction = Interaction(
            iid,
            token,
            time.time(),
            channel_id,
            user_id=int(author["id"]),
            source_message_id=message.id if message else None,
            prompt=next((str(o.get("value")) for o in options or [] if o.get("name") == "prompt"), ""),
        )
        self.interactions[token] = interaction
        await self.dispatch("INTERACTION_CREATE", payload)
        return interaction

    def thread(self, parent_id: int, name: str = "a thread") -> dict[str, Any]:
        """Open a thread (or, under the forum, a post) and return the channel as an interaction carries it."""
        thread_id = snowflake()
        self.threads.add(thread_id)
        return {
            "id": str(thread_id),
            "type": 11,
            "name": name,
            "guild_id": str(self.guild_id),
            "parent_id": str(parent_id),
            "owner_id": "1",
            "message_count": 0,
            "member_count": 1,
            "rate_limit_per_user": 0,
            "flags": 0,
            "thread_metadata": {
                "archived": False,
                "auto_archive_duration": 1440,
                "archive_timestamp": ISO,
                "locked": False,
            },
        }

    def channel_option(self, name: str, channel_id: int, kind: int = 0) -> tuple[dict[str, Any], dict[str, Any]]:
        """Return a channel option and its resolved data (``kind`` 15: a forum)."""
        channel = {
            "id": str(channel_id),
            "type": kind,
            "name": "mod-log",
            "guild_id": str(self.guild_id),
            "permissions": str(MEMBER_PERMS),
            "position": 1,
            "permission_overwrites": [],
        }
        return {"name": name, "type": 7, "value": str(channel_id)}, {"channels": {str(channel_id): channel}}

    def user_option(self, name: str, user: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        """Return a user option and its resolved data."""
        return {"name": name, "type": 6, "value": user["id"]}, {"users": {user["id"]: user}}

    def in_channel(self, channel_id: int) -> list[Message]:
        """Return the messages in a channel, oldest first."""
        return sorted((m for m in self.messages.values() if m.channel_id == channel_id), key=lambda m: m.id)

    async def press(
        self,
        message: Message,
        custom_id: str,
        *,
        user: dict[str, Any] | None = None,
        permissions: int = MEMBER_PERMS,
        locale: str = "en-US",
        roles: tuple[int, ...] = (),
    ) -> Interaction:
        """Press a button on a message, as a member."""
        assert custom_id in message.custom_ids(), (custom_id, message.custom_ids())
        return await self.slash(
            "",
            user=user,
            permissions=permissions,
            locale=locale,
            roles=roles,
            kind=3,
            message=message,
            extra={"custom_id": custom_id, "component_type": 2},
        )

    async def submit_modal(
        self,
        opened_by: Interaction,
        *values: str,
        user: dict[str, Any] | None = None,
        permissions: int = MEMBER_PERMS,
        locale: str = "en-US",
    ) -> Interaction:
        """Fill in and submit the modal the bot opened in answer to ``opened_by``."""
        modal = opened_by.modal
        assert modal is not None, "the bot opened no modal"
        inputs = [c for row in modal["components"] for c in row["components"]]
        rows = [
            {"type": 1, "components": [{"type": 4, "custom_id": c["custom_id"], "value": v}]}
            for c, v in zip(inputs, values, strict=False)
        ]
        message = self.messages.get(opened_by.source_message_id or 0)
        return await self.slash(
            "",
            user=user,
            permissions=permissions,
            locale=locale,
            kind=5,
            message=message,
            extra={"custom_id": modal["custom_id"], "components": rows},
        )

    def attachment(
        self, url: str, *, filename: str = "picture.png", size: int = 1000, content_type: str | None = "image/png"
    ) -> dict[str, Any]:
        att = {"id": str(snowflake()), "filename": filename, "size": size, "url": url, "proxy_url": url}
        if content_type:
            att["content_type"] = content_type
        return att

    def message_payload(
        self,
        *,
        content: str = "",
        author: dict[str, Any] | None = None,
        attachments: list[dict[str, Any]] | None = None,
        mentions: list[dict[str, Any]] | None = None,
        referenced: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        mid = snowflake()
        author = author or self.user()
        payload: dict[str, Any] = {
            "id": str(mid),
            "channel_id": str(self.channel_id),
            "guild_id": str(self.guild_id),
            "type": 0,
            "content": content,
            "author": author,
            "attachments": attachments or [],
            "embeds": [],
            "mentions": mentions or [],
            "mention_roles": [],
            "mention_everyone": False,
            "pinned": False,
            "tts": False,
            "timestamp": ISO,
            "edited_timestamp": None,
            "flags": 0,
            "components": [],
            "member": {"roles": [], "flags": 0, "joined_at": ISO, "deaf": False, "mute": False},
        }
        if referenced is not None:
            payload["type"] = 19
            payload["message_reference"] = {
                "message_id": referenced["id"],
                "channel_id": str(self.channel_id),
                "guild_id": str(self.guild_id),
            }
            payload["referenced_message"] = referenced
        return payload

    async def post_message(self, payload: dict[str, Any]) -> None:
        """A member posts a message (MESSAGE_CREATE)."""
        await self.dispatch("MESSAGE_CREATE", payload)

    def _command_id(self, name: str) -> int:
        for cmd in self.commands:
            if cmd["name"] == name:
                return int(cmd["id"])
        return snowflake()

    # -- REST ------------------------------------------------------------------------------------

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["tail"]
        auth = request.headers.get("Authorization", "")
        record = Request(request.method, path, time.time(), auth == f"Bot {self.bot_token}")
        self.requests.append(record)
        headers: dict[str, str] = {}
        if self.rate_limits is not None:
            retry_after, is_global, headers = self.rate_limits.check(request.method, path, bot_auth=record.bot_auth)
            if retry_after > 0:
                record.status = 429
                body = {
                    "message": "You are being rate limited.",
                    "retry_after": round(retry_after, 3),
                    "global": is_global,
                }
                return _json(
                    body, 429, headers={"Via": "1.1 google", **({"X-RateLimit-Global": "true"} if is_global else {})}
                )
        has_body = request.can_read_body
        payload, files = await _read_payload(request)
        request[PAYLOAD] = (payload, files)  # read once: a multipart stream cannot be read twice
        record.uploads = len(files)
        if files and self.upload_seconds:  # a slow link: the upload takes this long
            await asyncio.sleep(self.upload_seconds)
        invalid = problems(request.method, path, payload) if has_body else []
        if invalid:
            self.invalid_bodies += invalid
            record.status = 400
            await self._notify()
            return _json({"code": 50035, "message": "Invalid Form Body", "errors": {"_errors": invalid}}, 400)
        response = await self._route(request, path.split("/")[1:], record)
        response.headers.update(headers)
        record.status = response.status
        await self._notify()
        return response

    def fail(
        self,
        method: str,
        pattern: str,
        status: int,
        code: int,
        *,
        times: int = 1,
        retry_after: float | None = None,
        multipart_only: bool = False,
    ) -> None:
        """Answer the next ``times`` requests matching ``method`` and the path regex with an error."""
        self.faults.append(Fault(method, re.compile(pattern), status, code, times, retry_after, multipart_only))

    def _fault(self, request: web.Request, path: str) -> web.Response | None:
        multipart = request.content_type.startswith("multipart/")
        for fault in self.faults:
            if fault.multipart_only and not multipart:
                continue
            if fault.times > 0 and fault.method == request.method and fault.pattern.search(path):
                fault.times -= 1
                if fault.status == 429:
                    body = {
                        "message": "You are being rate limited.",
                        "retry_after": fault.retry_after or 0.5,
                        "global": False,
                    }
                    # discord.py retries a 429 only when it carries Via (else it looks like a Cloudflare ban).
                    return _json(body, 429, headers={"Via": "1.1 google"})
                return _error(fault.status, fault.code, f"injected {fault.status}/{fault.code}")
        return None

    async def _route(self, request: web.Request, parts: list[str], record: Request) -> web.StreamResponse:
        m = request.method
        injected = self._fault(request, "/" + "/".join(parts))
        if injected is not None:
            return injected
        if parts == ["users", "@me", "channels"] and m == "POST":
            body = await request.json()
            dm = snowflake()
            self.dm_channels[dm] = int(body["recipient_id"])
            return _json(
                {
                    "id": str(dm),
                    "type": 1,
                    "recipients": [self.user(int(body["recipient_id"]))],
                    "last_message_id": None,
                }
            )
        if parts[:1] in (["users"], ["oauth2"], ["gateway"], ["applications"], ["channels"]) and not record.bot_auth:
            return _error(401, 0, "401: Unauthorized")
        if parts == ["users", "@me"]:
            return _json(self.bot_user)
        if parts == ["oauth2", "applications", "@me"]:
            return _json(
                {
                    "id": str(self.app_id),
                    "name": "reelbot",
                    "description": "",
                    "icon": None,
                    "bot_public": True,
                    "bot_require_code_grant": False,
                    "verify_key": "0" * 64,
                    "owner": self.user(1, "owner"),
                    "flags": self.app_flags,
                }
            )
        if parts == ["gateway", "bot"]:
            return _json(
                {
                    "url": f"{self.base.replace('http', 'ws')}/gw",
                    "shards": 1,
                    "session_start_limit": {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1},
                }
            )
        if parts[0] == "applications" and parts[1] != str(self.app_id):
            return _error(403, 50001, "Missing Access")  # another application's commands
        if parts[0] == "applications" and m == "GET" and parts[-1] == "permissions":
            return self._permissions(parts)
        if parts[0] == "applications" and m == "PUT":
            return await self._sync(request)
        if parts[0] == "applications" and m == "GET" and parts[-1] == "commands":
            return _json(self.commands)
        if parts[0] == "interactions" and m == "POST":
            return await self._callback(request, parts[2])
        if parts[0] == "webhooks":
            return await self._webhook(request, parts)
        if parts[0] == "channels" and len(parts) >= 3 and parts[2] == "messages":
            return await self._channel(request, int(parts[1]), int(parts[3]) if len(parts) > 3 else None)
        return _error(404, 0, "404: Not Found")

    def _permissions_entry(self, target_id: int) -> dict[str, Any]:
        return {
            "id": str(target_id),
            "application_id": str(self.app_id),
            "guild_id": str(self.guild_id),
            "permissions": self.command_permissions[target_id],
        }

    def _permissions(self, parts: list[str]) -> web.Response:
        """GET .../guilds/{guild}/commands/permissions, or .../commands/{command}/permissions."""
        if parts[2:4] != ["guilds", str(self.guild_id)]:
            return _error(404, 10004, "Unknown Guild")
        if parts[4:] == ["commands", "permissions"]:
            return _json([self._permissions_entry(t) for t in self.command_permissions])
        target = int(parts[5])
        if target not in self.command_permissions:
            return _error(404, 10066, "Unknown application command permissions")
        return _json(self._permissions_entry(target))

    async def set_command_permissions(self, command: str | None, permissions: list[dict[str, Any]]) -> None:
        """A server admin edits a command's permissions (None: the application's), as Discord tells the bot."""
        target = self._command_id(command) if command else self.app_id
        self.command_permissions[target] = permissions
        await self.dispatch("APPLICATION_COMMAND_PERMISSIONS_UPDATE", self._permissions_entry(target))

    async def _sync(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.commands = [
            {
                **c,
                "id": str(snowflake()),
                "application_id": str(self.app_id),
                "version": "1",
                "description": c.get("description", ""),
            }
            for c in body
        ]
        return _json(self.commands)

    async def _callback(self, request: web.Request, token: str) -> web.Response:
        inter = self.interactions.get(token)
        if inter is None:
            return _error(404, 10062, "Unknown interaction")
        if inter.acked_at is not None:
            return _error(400, 40060, "Interaction has already been acknowledged.")
        now = time.time()
        if now - inter.created > self.ack_deadline:
            return _error(404, 10062, "Unknown interaction")
        payload, files = await _read_payload(request)
        inter.acked_at, inter.callback = now, payload
        kind = payload["type"]
        data = payload.get("data") or {}
        if kind == 9 and inter.source_message_id is None:  # a command answered with a modal: no message yet
            inter.modal = data
            return _json({"interaction": {"id": str(inter.id), "type": 2}, "resource": {"type": kind}})
        if kind in (6, 7, 9) and inter.source_message_id is not None:  # components: update, or open a modal
            source = self.messages.get(inter.source_message_id)
            if kind == 7 and source is not None:
                _apply(source, data, files, self.host_file)
            if kind == 9:
                inter.modal = data
            inter.message_id = inter.source_message_id
            return _json(
                {
                    "interaction": {
                        "id": str(inter.id),
                        "type": 3,
                        "response_message_id": str(inter.source_message_id),
                        "response_message_loading": False,
                        "response_message_ephemeral": False,
                    },
                    "resource": {"type": kind},
                }
            )
        msg = Message(
            snowflake(),
            inter.channel_id,
            author_id=self.app_id,
            interaction_token=token,
            flags=int(data.get("flags", 0)),
        )
        if kind == 5:
            msg.flags |= 128  # loading
        _apply(msg, data, files, self.host_file)
        self.messages[msg.id] = msg
        inter.message_id = msg.id
        resource: dict[str, Any] = {"type": kind}
        if kind == 4:
            resource["message"] = self.message_json(msg)
        return _json(
            {
                "interaction": {
                    "id": str(inter.id),
                    "type": 2,
                    "response_message_id": str(msg.id),
                    "response_message_loading": kind == 5,
                    "response_message_ephemeral": bool(msg.flags & 64),
                },
                "resource": resource,
            }
        )

    async def _webhook(self, request: web.Request, parts: list[str]) -> web.Response:
        token = parts[2]
        inter = self.interactions.get(token)
        if inter is None or inter.message_id is None:
            return _error(404, 10015, "Unknown Webhook")
        if time.time() - inter.created > self.token_ttl:
            return _error(401, 50027, "Invalid Webhook Token")
        original = self.messages.get(inter.message_id)
        if request.method == "DELETE" and parts[3:] == ["messages", "@original"]:
            if original is None:
                return _error(404, 10008, "Unknown Message")
            del self.messages[original.id]
            return web.Response(status=204)
        payload, files = await _read_payload(request)
        if request.method == "PATCH" and parts[3:] == ["messages", "@original"]:
            if original is None:
                return _error(404, 10008, "Unknown Message")
            target = original
        elif request.method == "POST" and len(parts) == 3:
            # Deprecated but real: a follow-up right after a defer edits the (still loading) original.
            if original is not None and original.flags & 128:
                target = original
            else:
                target = Message(
                    snowflake(),
                    inter.channel_id,
                    author_id=self.app_id,
                    interaction_token=token,
                    flags=int(payload.get("flags", 0)),
                )
                self.messages[target.id] = target
        else:
            return _error(405, 0, "405: Method Not Allowed")
        target.flags &= ~128
        target.edits_by_token += 1
        _apply(target, payload, files, self.host_file)
        return _json(self.message_json(target))

    async def _channel(self, request: web.Request, channel_id: int, message_id: int | None) -> web.Response:
        known = (self.channel_id, self.log_channel_id)
        if channel_id not in known and channel_id not in self.dm_channels and channel_id not in self.threads:
            return _error(404, 10003, "Unknown Channel")
        if request.method == "POST" and message_id is None:
            payload, files = await _read_payload(request)
            msg = Message(snowflake(), channel_id, author_id=self.app_id)
            ref = payload.get("message_reference")
            msg.reference_id = int(ref["message_id"]) if ref else None
            _apply(msg, payload, files, self.host_file)
            self.messages[msg.id] = msg
            return _json(self.message_json(msg))
        msg = self.messages.get(message_id or 0)
        if msg is None or msg.flags & 64:
            return _error(404, 10008, "Unknown Message")
        if request.method == "GET":
            return _json(self.message_json(msg))
        if request.method == "PATCH":
            payload, files = await _read_payload(request)
            msg.flags &= ~128
            msg.edits_by_bot += 1
            _apply(msg, payload, files, self.host_file)
            return _json(self.message_json(msg))
        if request.method == "DELETE":
            del self.messages[msg.id]
            return web.Response(status=204)
        return _error(405, 0, "405: Method Not Allowed")

    def message_json(self, msg: Message) -> dict[str, Any]:
        return {
            "id": str(msg.id),
            "channel_id": str(msg.channel_id),
            "type": 0 if msg.reference_id is None else 19,
            "content": msg.content or "",
            "author": self.bot_user,
            "attachments": msg.attachments,
            "embeds": msg.embeds,
            "mentions": [],
            "mention_roles": [],
            "mention_everyone": False,
            "pinned": False,
            "tts": False,
            "timestamp": ISO,
            "edited_timestamp": ISO,
            "flags": msg.flags,
            "components": msg.components,
            "application_id": str(self.app_id),
        }

    # -- assertions helpers ----------------------------------------------------------------------

    def reply_to(self, interaction: Interaction) -> Message | None:
        """Return the interaction's answer: its reply once it says something (a "thinking…" placeholder
        is not an answer yet), or, once the bot deleted the reply, its latest follow-up."""
        reply = self.messages.get(interaction.message_id or 0)
        if reply is None and interaction.message_id is not None:
            answers = self.answers(interaction)
            return answers[-1] if answers else None
        return None if reply is not None and reply.flags & 128 else reply

    def answers(self, interaction: Interaction) -> list[Message]:
        """Return every message still standing that the bot made with this interaction's token."""
        mine = (m for m in self.messages.values() if m.interaction_token == interaction.token)
        return sorted(mine, key=lambda m: m.id)

    def public_in(self, channel_id: int) -> list[Message]:
        """Return what everyone in the channel sees from the bot (no ephemeral messages)."""
        return [m for m in self.in_channel(channel_id) if not m.flags & 64]


async def _read_payload(request: web.Request) -> tuple[dict[str, Any], dict[str, bytes]]:
    if PAYLOAD in request:
        return request[PAYLOAD]
    files: dict[str, bytes] = {}
    if request.content_type.startswith("multipart/"):
        payload: dict[str, Any] = {}
        reader = await request.multipart()
        async for part in reader:
            if part.name == "payload_json":
                payload = json.loads(await part.text())
            elif part.filename:
                files[part.filename] = bytes(await part.read())
        return payload, files
    if request.can_read_body:
        return await request.json(), files
    return {}, files


def _apply(
    msg: Message, data: dict[str, Any], files: dict[str, bytes], host: Callable[[str, bytes], str] | None = None
) -> None:
    if "content" in data:
        msg.content = data["content"]
    if "embeds" in data:
        msg.embeds = data["embeds"] or []
    if "allowed_mentions" in data:
        msg.allowed_mentions = data["allowed_mentions"]
    if "components" in data:
        msg.components = data["components"] or []
    if "attachments" in data:
        kept = []
        for att in data["attachments"]:
            name = att.get("filename")
            if name in files:
                msg.files[name] = files[name]
                kept.append(
                    {
                        "id": str(snowflake()),
                        "filename": name,
                        "size": len(files[name]),
                        "url": host(f"{msg.id}-{name}", files[name]) if host else f"https://cdn.invalid/{name}",
                        "proxy_url": f"https://cdn.invalid/{name}",
                    }
                )
            else:
                kept.extend(a for a in msg.attachments if a["id"] == str(att.get("id")))
        msg.attachments = kept
    if msg.final_at is None and msg.title.startswith(("✅", "❌", "⌛", "🚫")):
        msg.final_at = time.time()
    msg.history.append(
        {
            "content": msg.content,
            "title": msg.title,
            "allowed_mentions": data.get("allowed_mentions"),
            "attachments": [a["filename"] for a in msg.attachments],
        }
    )
