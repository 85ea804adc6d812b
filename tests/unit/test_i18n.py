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


# Characters that exist only in Simplified Chinese; Traditional text never contains them.
SIMPLIFIED_ONLY = set("们这个视频预设时间发请务员级机现开关图让动为会还没与应语说话样处过无对选项钮缩删费额权审举报")


def test_zh_tw_is_traditional_chinese_not_simplified() -> None:
    """A zh-TW member reads Traditional characters (and Taiwan's words), never the Simplified catalog."""
    assert language("zh-TW") == "zh-TW" and language("zh-CN") == "zh-CN"
    book = catalogs()["zh-TW"]
    found = {ch for text in [*book["messages"].values(), *book["commands"].values()] for ch in text} & SIMPLIFIED_ONLY
    assert not found
    assert t("job.done.title", "zh-TW") == "✅ 影片已生成" and t("button.report", "zh-TW") == "檢舉"
    assert set(book["commands"]) == set(catalogs()["zh-CN"]["commands"])


def command_strings() -> set[str]:
    """Every name, description and choice name the bot registers with Discord (what the Translator sees)."""
    from types import SimpleNamespace

    from discord import app_commands

    from cogs.generate import Generate
    from cogs.moderation._members import Members
    from cogs.moderation._moderators import Moderators

    settings = SimpleNamespace(video_model="cogvideox-2")
    bot = SimpleNamespace(services=SimpleNamespace(settings=settings), tree=SimpleNamespace(add_command=lambda *a: 0))
    found: set[str] = set()

    def walk(cmd: app_commands.Command | app_commands.Group | app_commands.ContextMenu) -> None:  # type: ignore[type-arg]
        found.add(cmd.name)
        if isinstance(cmd, app_commands.ContextMenu):
            return
        found.add(cmd.description)
        if isinstance(cmd, app_commands.Group):
            for sub in cmd.commands:
                walk(sub)
            return
        for param in cmd.parameters:
            found.update({param.display_name, param.description})
            found.update(c.name for c in param.choices)

    for cog in (Moderators(bot), Members(bot)):  # type: ignore[arg-type]
        walk(cog.app_command)  # type: ignore[arg-type]
    generate = Generate(bot)  # type: ignore[arg-type]
    for cmd in generate.get_app_commands():
        walk(cmd)
    walk(generate.animate_menu)
    return found


@pytest.mark.parametrize("lang", ["zh-CN", "zh-TW"])
def test_every_command_name_description_and_choice_is_localised(lang: str) -> None:
    """Moderators and members see their commands in their language (names stay names: reelbot, model ids)."""
    keep = {"reelbot", "reelbot-mod", "cogvideox-2", "cogvideox-3", "cogvideox-flash", "…"}
    book = catalogs()[lang]["commands"]
    missing = sorted(s for s in command_strings() - keep if s not in book and not re.fullmatch(r"\d+x\d+", s))
    assert not missing
    too_long = [v for k, v in book.items() if len(v) > 100 or (" " not in k and len(v) > 32 and k.islower())]
    assert not too_long
