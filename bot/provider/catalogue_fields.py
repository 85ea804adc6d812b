"""The fields of a model catalogue entry and how each is checked (see catalogue.toml's comments).

Each checker returns the value in the form ModelSpec keeps, or raises ``Bad`` saying what it should be.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.models import credits_to_micros

MODES = ("text", "image", "start_end", "reference")
EXTRA_OPTIONS = ("style", "aspect_ratio", "movement_amplitude")  # the Vidu fields of videos.generations
OPTION_NAMES = ("size", "duration", "fps", "quality", "with_audio", *EXTRA_OPTIONS)
PICTURES_NEEDED = {"text": 0, "image": 1, "start_end": 2, "reference": 1}
_SIZE = re.compile(r"^[1-9][0-9]{2,4}x[1-9][0-9]{2,4}$")


@dataclass(frozen=True)
class ImageLimits:
    """How many pictures a model takes, in which formats, and how large."""

    max: int = 0
    formats: tuple[str, ...] = ()
    max_mb: float = 5.0


class Bad(ValueError):
    """One field's value is wrong; the message says what it should be."""


def _words(value: object) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise Bad('must be a list of words in quotes, e.g. ["speed", "quality"]')
    return tuple(value)


def _numbers(value: object) -> tuple[int, ...]:
    if not isinstance(value, list) or not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in value):
        raise Bad("must be a list of whole numbers above 0, e.g. [5, 10]")
    return tuple(value)


def _sizes(value: object) -> tuple[str, ...]:
    sizes = _words(value) if value != [] else ()
    for size in sizes:
        if not _SIZE.match(size):
            raise Bad(f'"{size}" is not WIDTHxHEIGHT, e.g. "1920x1080"')
    return sizes


def _flag(value: object) -> bool:
    if not isinstance(value, bool):
        raise Bad("must be true or false")
    return value


def _modes(value: object) -> tuple[str, ...]:
    modes = _words(value)
    wrong = [m for m in modes if m not in MODES]
    if not modes or wrong:
        raise Bad(f"must name one or more of {', '.join(MODES)}" + (f" (not {wrong[0]})" if wrong else ""))
    return modes


def _extras(value: object) -> dict[str, tuple[str, ...]]:
    if not isinstance(value, dict):
        raise Bad("must be a table of option = [values]")
    wrong = [k for k in value if k not in EXTRA_OPTIONS]
    if wrong:
        raise Bad(f"{wrong[0]} is not an option reelbot can offer; use {', '.join(EXTRA_OPTIONS)}")
    return {k: _words(v) for k, v in value.items()}


def _defaults(value: object) -> dict[str, object]:
    if not isinstance(value, dict):
        raise Bad("must be a table of option = value")
    wrong = [k for k in value if k not in OPTION_NAMES]
    if wrong:
        raise Bad(f"{wrong[0]} is not an option; use {', '.join(OPTION_NAMES)}")
    return dict(value)


def _images(value: object) -> ImageLimits:
    if not isinstance(value, dict) or set(value) - {"max", "formats", "max_mb"}:
        raise Bad('must be a table like { max = 1, formats = ["png", "jpeg"], max_mb = 5 }')
    count = value.get("max", 0)
    if not isinstance(count, int) or isinstance(count, bool) or count < 0:
        raise Bad("max must be a whole number, 0 or more")
    size = value.get("max_mb", 5)
    if not isinstance(size, int | float) or isinstance(size, bool) or size <= 0:
        raise Bad("max_mb must be a number above 0")
    return ImageLimits(count, _words(value.get("formats", [])) if value.get("formats") else (), float(size))


def _price(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise Bad('must be an amount of credits, e.g. "0.2"')
    try:
        return credits_to_micros(str(value))
    except (ValueError, ArithmeticError):
        raise Bad('must be an amount of credits, e.g. "0.2"') from None


def _seconds(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise Bad("must be a number of seconds above 0, e.g. 120.0")
    return float(value)


def _string(value: object) -> str:
    if not isinstance(value, str):
        raise Bad("must be text in quotes")
    return value


FIELDS: dict[str, Callable[[object], Any]] = {
    "label": _string,
    "modes": _modes,
    "sizes": _sizes,
    "fps": lambda v: _numbers(v) if v != [] else (),
    "durations": lambda v: _numbers(v) if v != [] else (),
    "qualities": lambda v: _words(v) if v != [] else (),
    "start_end_qualities": lambda v: _words(v) if v != [] else (),
    "audio": _flag,
    "watermark": _flag,
    "extras": _extras,
    "defaults": _defaults,
    "images": _images,
    "price": _price,
    "list_price": _string,
    "prior_s": _seconds,
    "bases": lambda v: _words(v) if v != [] else (),
}
