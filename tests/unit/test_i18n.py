"""Every language has every sentence, with the same placeholders; every key the code uses exists."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from bot.ui.i18n import catalogs, language, t

ROOT = Path(__file__).resolve().parents[2]
EN = catalogs()["en"]["messages"]
OTHERS = [name for name in catalogs() if name != "en"]


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("lang", OTHERS)
def test_every_language_has_every_key(lang: str) -> None:
    messages = catalogs()[lang]["messages"]
    assert set(messages) == set(EN), {"missing": set(EN) - set(messages), "extra": set(messages) - set(EN)}


@pytest.mark.parametrize("lang", OTHERS)
def test_translations_keep_the_placeholders(lang: str) -> None:
    messages = catalogs()[lang]["messages"]
    wrong = {key: (fields(EN[key]), fields(text)) for key, text in messages.items() if fields(text) != fields(EN[key])}
    assert not wrong


def test_every_key_the_code_uses_exists() -> None:
    used: set[str] = set()
    for path in list((ROOT / "bot").rglob("*.py")) + list((ROOT / "cogs").rglob("*.py")):
        used |= set(re.findall(r"""\bt\(\s*["']([a-z_]+\.[a-z_.]+)["']""", path.read_text()))
    assert used, "the scan found no keys"
    assert not used - set(EN)


def test_locales_fall_back_sensibly() -> None:
    assert language("zh-CN") == "zh-CN" and language("en-GB") == "en" and language("fr") == "en"
    assert language(None) == "en"
    assert t("button.reroll", "zh-CN") == "重新生成"
    assert t("button.reroll", "de") == "Re-roll"
    assert t("job.footer", "zh-CN", id="abc") == "任务 abc"
