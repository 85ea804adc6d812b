"""The usage chart draws Chinese titles in Chinese glyphs, not the missing-glyph box."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageChops, ImageDraw, ImageFont

from bot.ui.chart import HEIGHT, PAD, WIDTH, chart_font, spend_chart
from bot.ui.i18n import catalogs, t

NOT_IN_ANY_FONT = "\ue000"  # a private-use character: every font draws its missing-glyph box


def glyph(font: ImageFont.FreeTypeFont, ch: str) -> bytes:
    image = Image.new("L", (48, 48))
    ImageDraw.Draw(image).text((4, 4), ch, font=font, fill=255)
    return image.tobytes()


def title_strip(title: str) -> Image.Image:
    png = spend_chart("2026-11", {"2026-11-03": 1_500_000}, title)
    return Image.open(io.BytesIO(png)).convert("L").crop((0, 0, WIDTH, PAD - 8))


def test_a_chinese_title_is_drawn_in_chinese_glyphs() -> None:
    """Each character of the title draws something other than the box; the title strip differs from boxes."""
    title = t("usage.chart_title", "zh-CN")
    assert title == "每日花费（积分）"
    boxes = title_strip(NOT_IN_ANY_FONT * len(title))
    drawn = title_strip(title)
    assert ImageChops.difference(drawn, boxes).getbbox() is not None
    assert drawn.size == (WIDTH, PAD - 8) and HEIGHT > PAD


@pytest.mark.parametrize("lang", sorted(catalogs()))
def test_every_character_the_chart_draws_is_in_the_bundled_font(lang: str) -> None:
    """The chart's strings in every catalog (and digits) have real glyphs in the subset font."""
    font = chart_font(18)
    box = glyph(font, NOT_IN_ANY_FONT)
    text = t("usage.chart_title", lang) + "0123456789.· -"
    missing = [ch for ch in set(text) if not ch.isspace() and glyph(font, ch) == box]
    assert not missing
