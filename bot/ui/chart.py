"""The usage chart: credits spent per day, as a PNG drawn with Pillow, readable on Discord's dark theme."""

from __future__ import annotations

import io
from datetime import date, timedelta

from PIL import Image, ImageDraw, ImageFont

BACKGROUND = (43, 45, 49)  # Discord's dark theme
GRID = (78, 80, 88)
BAR = (88, 101, 242)  # blurple
TEXT = (219, 222, 225)
WIDTH, HEIGHT, PAD = 900, 360, 48


def spend_chart(month: str, per_day: dict[str, int], title: str) -> bytes:
    """Draw one bar per day of ``month`` ("YYYY-MM") from micro-credits per day; return PNG bytes."""
    first = date.fromisoformat(f"{month}-01")
    days = [(first + timedelta(days=i)) for i in range(31) if (first + timedelta(days=i)).month == first.month]
    values = [per_day.get(d.isoformat(), 0) / 1_000_000 for d in days]
    top = max([*values, 0.0]) or 1.0
    img = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    draw = ImageDraw.Draw(img)
    font = ImageFont.load_default()
    draw.text((PAD, 12), f"{title} · {month}", fill=TEXT, font=font)
    plot_w, plot_h = WIDTH - 2 * PAD, HEIGHT - 2 * PAD - 10
    base_y = PAD + 10 + plot_h
    for step in range(5):
        y = base_y - plot_h * step / 4
        draw.line([(PAD, y), (WIDTH - PAD, y)], fill=GRID)
        draw.text((4, y - 6), f"{top * step / 4:.2f}", fill=TEXT, font=font)
    slot = plot_w / len(days)
    for i, (day, value) in enumerate(zip(days, values, strict=True)):
        x0 = PAD + i * slot + slot * 0.15
        x1 = PAD + (i + 1) * slot - slot * 0.15
        if value > 0:
            draw.rectangle([x0, base_y - plot_h * value / top, x1, base_y], fill=BAR)
        if day.day % 5 == 1 or i == len(days) - 1:
            draw.text((x0, base_y + 4), str(day.day), fill=TEXT, font=font)
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()
