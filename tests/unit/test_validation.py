"""Prompts and options are checked before any money moves."""

from __future__ import annotations

import pytest

from bot.errors import InvalidOptions, InvalidPrompt
from bot.models import VideoOptions, credits_to_micros, format_credits
from bot.moderation.prompts import clean_prompt
from bot.provider.options import request_body, validate_options


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("  a  red\nfox  ", "a red fox"),
        ("a\u200bred\u200dfox", "aredfox"),  # zero-width characters removed
        ("evil\u202etxt.exe", "eviltxt.exe"),  # bidi override removed
        ("bell\x07and\x00null", "bell and null"),  # control characters become spaces
        ("ｆｕｌｌ　ｗｉｄｔｈ", "full width"),  # NFKC
        ("@everyone <@&1234> hi", "@everyone <@&1234> hi"),  # kept as text; never pings (allowed mentions)
    ],
)
def test_prompts_are_normalised(raw: str, clean: str) -> None:
    assert clean_prompt(raw) == clean


@pytest.mark.parametrize("raw", ["", "   ", "\u200b\u200b", "\x00"])
def test_empty_prompts_are_refused(raw: str) -> None:
    with pytest.raises(InvalidPrompt) as info:
        clean_prompt(raw)
    assert info.value.reason == "empty"
    assert clean_prompt(raw, required=False) == ""


def test_prompts_over_512_characters_are_refused_with_the_numbers() -> None:
    assert len(clean_prompt("x" * 512)) == 512
    with pytest.raises(InvalidPrompt) as info:
        clean_prompt("y" * 513)
    assert (info.value.limit, info.value.length) == (512, 513)


@pytest.mark.parametrize(
    ("options", "option"),
    [
        (VideoOptions(model="cogvideox-flash", size="1920x1080"), "size"),
        (VideoOptions(model="cogvideox-flash", fps=60), "fps"),
        (VideoOptions(model="cogvideox-flash", quality="quality"), "quality"),
        (VideoOptions(model="cogvideox-3", size="720x480"), "size"),
        (VideoOptions(model="cogvideox-2", size="1280x720"), "size"),
        (VideoOptions(model="cogvideox-2", duration=7), "duration"),
        (VideoOptions(model="cogvideox-9"), "model"),
    ],
)
def test_options_invalid_for_the_model_are_refused(options: VideoOptions, option: str) -> None:
    with pytest.raises(InvalidOptions) as info:
        validate_options(options)
    assert info.value.option == option


def test_valid_options_pass_and_build_a_lean_body() -> None:
    options = validate_options(
        VideoOptions(model="cogvideox-3", size="1280x720", duration=10, fps=60, quality="quality", with_audio=True)
    )
    body = request_body(options, prompt="a fox", image=None, request_id="reelbot-abc", user_id="discord-1")
    assert body == {
        "model": "cogvideox-3",
        "request_id": "reelbot-abc",
        "user_id": "discord-1",
        "prompt": "a fox",
        "size": "1280x720",
        "duration": 10,
        "fps": 60,
        "quality": "quality",
        "with_audio": True,
    }
    flash = request_body(
        VideoOptions(model="cogvideox-flash"),
        prompt="",
        image="data:image/png;base64,AA",
        request_id="r",
        user_id="discord-1",
    )
    assert flash == {
        "model": "cogvideox-flash",
        "request_id": "r",
        "user_id": "discord-1",
        "image_url": "data:image/png;base64,AA",
    }


@pytest.mark.parametrize(("text", "micros"), [("0.1", 100_000), ("1", 1_000_000), ("2.5", 2_500_000), ("0", 0)])
def test_credits_are_exact(text: str, micros: int) -> None:
    assert credits_to_micros(text) == micros
    assert credits_to_micros(format_credits(micros)) == micros


@pytest.mark.parametrize("text", ["-1", "lots", "nan", "inf", ""])
def test_junk_amounts_are_refused(text: str) -> None:
    with pytest.raises((ValueError, ArithmeticError)):
        credits_to_micros(text)
