"""One translation layer for every sentence a member or moderator reads.

Catalogs are JSON files in bot/ui/locales (en.json is the reference; adding a language is adding
one file). Replies follow the locale of whoever reads them (a member's or a moderator's own); the
log channel follows the server's. Command and option names, descriptions and choices are localised
through discord.py's Translator, keyed by their English text in each catalog's "commands" section.
zh-TW.json is Traditional Chinese with Taiwan's wording, converted from zh-CN.json and reviewed.
"""

from __future__ import annotations

import json
import logging
import re
from functools import cache
from importlib import resources
from typing import Any

import discord
from discord import app_commands

log = logging.getLogger(__name__)

DEFAULT = "en"
_FAMILY = {"zh": "zh-CN"}  # a locale we have no catalog for, by language: Chinese reads Simplified
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z]")


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
    family = _FAMILY.get(code.split("-")[0], DEFAULT)
    return family if family in books else DEFAULT


def language_of_text(text: str, fallback: str) -> str:
    """Return Chinese for a text written mostly in Chinese characters, else ``fallback``.

    A mention carries no locale; its prompt's script is the best hint of the member's language.
    """
    cjk, latin = len(_CJK.findall(text)), len(_LATIN.findall(text))
    if cjk and cjk >= latin:
        return fallback if fallback.startswith("zh") else "zh-CN"
    return fallback


def name_in(lang: str, english: str) -> str:
    """Return a command, option or choice name as ``lang``'s users see it in Discord."""
    value = catalogs()[language(lang)].get("commands", {}).get(english)
    return str(value) if value else english


def command(lang: str, *path: str, option: str | None = None) -> str:
    """Return a command as the reader sees it in Discord, e.g. `/reelbot-mod budget daily:`."""
    words = [path[0], *(name_in(lang, part) for part in path[1:])]
    if option:
        words.append(name_in(lang, option) + ":")
    return "`/" + " ".join(words) + "`"


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
