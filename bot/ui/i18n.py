"""One translation layer for every sentence a member or moderator reads.

Catalogs are JSON files in bot/ui/locales (en.json is the reference; adding a language is adding
one file). Replies follow the member's locale; logs and moderator messages follow the server's.
Command and option names and descriptions are localised through discord.py's Translator, keyed by
their English text in each catalog's "commands" section.
"""

from __future__ import annotations

import json
import logging
from functools import cache
from importlib import resources
from typing import Any

import discord
from discord import app_commands

log = logging.getLogger(__name__)

DEFAULT = "en"


@cache
def catalogs() -> dict[str, dict[str, Any]]:
    """Load every catalog once: {"en": {...}, "zh-CN": {...}}."""
    folder = resources.files("bot.ui") / "locales"
    return {
        p.name.removesuffix(".json"): json.loads(p.read_text(encoding="utf-8"))
        for p in folder.iterdir()
        if p.name.endswith(".json")
    }


def language(locale: str | discord.Locale | None) -> str:
    """Map a Discord locale (zh-CN, en-US, …) to the catalog that serves it."""
    if locale is None:
        return DEFAULT
    code = str(locale.value if isinstance(locale, discord.Locale) else locale)
    books = catalogs()
    if code in books:
        return code
    prefix = code.split("-")[0]
    return (
        next((name for name in books if name.split("-")[0] == prefix and name != DEFAULT), DEFAULT)
        if prefix != "en"
        else DEFAULT
    )


def t(key: str, locale: str | discord.Locale | None = None, **values: object) -> str:
    """Return the sentence ``key`` in ``locale`` (English if missing), with ``values`` filled in."""
    books = catalogs()
    text = books[language(locale)]["messages"].get(key) or books[DEFAULT]["messages"][key]
    return str(text).format(**values) if values else str(text)


class CatalogTranslator(app_commands.Translator):
    """Localise command and option names, descriptions and choice names from the catalogs."""

    async def translate(
        self, string: app_commands.locale_str, locale: discord.Locale, context: app_commands.TranslationContextTypes
    ) -> str | None:
        """Return the translation of ``string`` for ``locale``, or None to keep the English."""
        lang = language(locale)
        if lang == DEFAULT:
            return None
        value = catalogs()[lang].get("commands", {}).get(string.message)
        return str(value) if value else None
