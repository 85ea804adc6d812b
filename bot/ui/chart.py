"""The usage chart: credits spent per day, as a PNG drawn with Pillow, readable on Discord's dark theme.

Text is set in Noto Sans CJK SC (bot/ui/fonts, SIL Open Font License), cut down to the characters the
catalogs use, so a Chinese title shows Chinese rather than boxes (Pillow's default font has no CJK).
"""

from __future__ import annotations

import io
from datetime import date, timedelta
from functools import cache
from importlib import resources

from PIL import Image, ImageDraw, ImageFont

BACKGROUND = (43, 45, 49)  # Discord's dark theme
GRID = (78, 80, 88)
BAR = (88, 101, 242)  # blurple
TEXT = (219, 222, 225)
WIDTH, HEIGHT, PAD = 900, 360, 48
FONT_FILE = "NotoSansCJKsc-subset.otf"


@cache
def chart_font(size: int = 15) -> ImageFont.FreeTypeFont:
    """Return the bundled CJK-capable font at ``size`` pixels."""
    data = (resources.files("bot.ui") / "fonts" / FONT_FILE).read_bytes()
    return ImageFont.truetype(io.BytesIO(data), size)


def spend_chart(month: str, per_day: dict[str, int], title: str) -> bytes:
    """Draw one bar per day of ``month`` ("YYYY-MM") from micro-credits per day; return PNG bytes."""
    first = date.fromisoformat(f"{month}-01")
    days = [(first + timedelta(days=i)) for i in range(31) if (first + timedelta(days=i)).month == first.month]
    values = [per_day.get(d.isoformat(), 0) / 1_000_000 for d in days]
    top = max([*values, 0.0]) or 1.0
    img = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    draw = ImageDraw.Draw(img)
    font, small = chart_font(18), chart_font(12)
    draw.text((PAD, 10), f"{title} · {month}", fill=TEXT, font=font)
    plot_w, plot_h = WIDTH - 2 * PAD, HEIGHT - 2 * PAD - 10
    base_y = PAD + 10 + plot_h
    for step in range(5):
        y = base_y - plot_h * step / 4
        draw.line([(PAD, y), (WIDTH - PAD, y)], fill=GRID)
        draw.text((4, y - 8), f"{top * step / 4:.2f}", fill=TEXT, font=small)
    slot = plot_w / len(days)
    for i, (day, value) in enumerate(zip(days, values, strict=True)):
        x0 = PAD + i * slot + slot * 0.15
        x1 = PAD + (i + 1) * slot - slot * 0.15
        if value > 0:
            draw.rectangle([x0, base_y - plot_h * value / top, x1, base_y], fill=BAR)
        if day.day % 5 == 1 or i == len(days) - 1:
            draw.text((x0, base_y + 4), str(day.day), fill=TEXT, font=small)
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()
