"""What a member reads on a finished video and in a refusal: the settings used, and their prompt given back."""

from __future__ import annotations

from bot.models import VideoOptions
from bot.ui.text import settings_used, with_prompt


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


def test_a_prompt_given_back_cannot_break_out_of_its_block_or_the_2000_limit() -> None:
    """Runs of backticks never close the fence early; a long prompt is cut to fit; a blank one is not echoed."""
    text = with_prompt("Refused.", "x ``` y `", "en")
    assert text.count("```") == 2 and text.endswith("`\u200b\n```")
    assert text.split("```\n", 1)[1].removesuffix("\n```").replace("\u200b", "") == "x ``` y `"
    assert with_prompt("Refused.", "\u200b \u2060", "en") == "Refused."
    long = with_prompt("R" * 1000, "p" * 2000, "en")
    assert len(long) == 2000 and long.endswith("…\n```")
    assert with_prompt("R" * 1990, "prompt", "en") == "R" * 1990  # no room left: the refusal alone
