"""Discord's published OpenAPI spec as the judge of every request body the bot sends.

The spec (tests/standins/discord_api_spec/openapi.json, vendored unmodified with its MIT licence)
gives, for each path and method, the JSON Schema of the body Discord accepts. A body that fails it
is one real Discord would refuse with 400 / 50035 "Invalid Form Body".
"""

from __future__ import annotations

import copy
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, relevance
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SPEC_FILE = Path(__file__).parent / "discord_api_spec" / "openapi.json"
SPEC_URI = "urn:discord-api-spec"
NITRO_CONTENT_LIMIT = 4000  # what the spec allows: the limit for people with Nitro
BOT_CONTENT_LIMIT = 2000  # what a bot gets


@cache
def spec() -> dict[str, Any]:
    """The spec, with message content held to a bot's 2,000 characters (in memory only)."""
    doc: dict[str, Any] = json.loads(SPEC_FILE.read_text(encoding="utf-8"))
    doc = copy.deepcopy(doc)
    # The spec writes snowflakes as strings only; Discord takes an integer too, and discord.py sends some so
    # (allowed_mentions.users, the index ids of new attachments). Integer snowflakes are accepted.
    snowflake = doc["components"]["schemas"]["SnowflakeType"]
    doc["components"]["schemas"]["SnowflakeType"] = {"anyOf": [snowflake, {"type": "integer", "minimum": 0}]}
    # The vendored spec predates media channels (GUILD_MEDIA, 16), which Discord's documented channel types
    # include; discord.py offers a forum option as [GUILD_FORUM, GUILD_MEDIA].
    channel_types = doc["components"]["schemas"]["ChannelTypes"]["oneOf"]
    if all(t.get("const") != 16 for t in channel_types):
        channel_types.append({"title": "GUILD_MEDIA", "const": 16})
    for name, schema in doc["components"]["schemas"].items():
        content = schema.get("properties", {}).get("content")
        nitro = bool(content) and content.get("maxLength") == NITRO_CONTENT_LIMIT
        if nitro and name.endswith(("Request", "RequestPartial")) and "Component" not in name:  # text displays: 4,000
            content["maxLength"] = BOT_CONTENT_LIMIT
    return doc


@cache
def _routes() -> list[tuple[re.Pattern[str], str]]:
    """Every path template as a regex, literal segments first (``@original`` before ``{message_id}``)."""
    templates = sorted(spec()["paths"], key=lambda p: (p.count("{"), -len(p)))
    return [(re.compile("^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(p)) + "$"), p) for p in templates]


def template_of(path: str) -> str | None:
    """Return the spec's path template for a request path such as ``/channels/1/messages``."""
    for pattern, template in _routes():
        if pattern.match(path):
            return template
    return None


@cache
def _validator(template: str, method: str) -> Draft202012Validator | None:
    operation = spec()["paths"][template].get(method.lower())
    body = (operation or {}).get("requestBody", {}).get("content", {}).get("application/json")
    if body is None:
        return None
    pointer = "/".join(
        part.replace("~", "~0").replace("/", "~1")
        for part in ("paths", template, method.lower(), "requestBody", "content", "application/json", "schema")
    )
    registry: Registry[Any] = Registry().with_resource(
        SPEC_URI, Resource.from_contents(spec(), default_specification=DRAFT202012)
    )
    return Draft202012Validator({"$ref": f"{SPEC_URI}#/{pointer}"}, registry=registry)


def problems(method: str, path: str, body: Any) -> list[str]:
    """Return why Discord would refuse this body (empty when it would accept it)."""
    template = template_of(path)
    if template is None:
        return []  # not a documented route: the stand-in answers 404 on its own
    validator = _validator(template, method)
    if validator is None:
        return []
    errors = list(validator.iter_errors(body))
    if not errors:
        return []
    return [f"{method} {template}: {_describe(_deepest(min(errors, key=relevance)))}"]


def _deepest(error: ValidationError) -> ValidationError:
    """Inside an anyOf / oneOf, the alternative that got furthest names the real fault."""
    while error.context:
        branches: dict[object, list[ValidationError]] = {}
        for e in error.context:
            branches.setdefault(e.relative_schema_path[0], []).append(e)
        # A branch whose "type" discriminator does not match was never the one meant.
        meant = [b for b in branches.values() if not any(_wrong_kind(e) for e in b)] or list(branches.values())
        error = max((e for b in meant for e in b), key=lambda e: len(e.absolute_path))
    return error


def _wrong_kind(error: ValidationError) -> bool:
    return error.validator in ("enum", "const") and bool(error.relative_path) and error.relative_path[-1] == "type"


def _describe(error: ValidationError) -> str:
    where = "/".join(str(p) for p in error.absolute_path) or "(body)"
    shown = json.dumps(error.instance, ensure_ascii=False)
    if len(shown) > 80:
        shown = f"{shown[:60]}… ({len(error.instance) if isinstance(error.instance, str | list) else '?'} long)"
    rule = json.dumps(error.validator_value, ensure_ascii=False)[:120]
    return f"{where} = {shown} breaks {error.validator}: {rule}"
