"""The settings line on a finished video names what it was made with, defaults included."""

from __future__ import annotations

from bot.models import VideoOptions
from bot.ui.text import settings_used


def test_chosen_settings_and_the_services_defaults_are_named() -> None:
    """Nothing chosen still says size, length and fps; a model without sizes or fps does not invent them."""
    assert settings_used(VideoOptions("cogvideox-3"), "text") == (
        "cogvideox-3 · 1080p, the service's default shape · 5 s · 30 fps"
    )
    assert settings_used(VideoOptions("cogvideox-2", fps=60, quality="quality"), "image") == (
        "cogvideox-2 · 1080p, the picture's shape · 5 s · 60 fps · finer quality"
    )
    assert settings_used(VideoOptions("cogvideox-flash", duration=10), "text") == "cogvideox-flash · 10 s"


def test_in_chinese() -> None:
    """Units and words are Chinese; only the model name and numbers stay as they are."""
    line = settings_used(VideoOptions("cogvideox-3", size="1920x1080", with_audio=True), "text", "zh-CN")
    assert line == "cogvideox-3 · 1920×1080 · 5 秒 · 30 帧/秒 · 含音效"
