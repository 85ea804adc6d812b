"""What each CogVideoX model accepts, and the request body built from validated options.

Per shared/reference/cogvideox-api.md §2: sizes differ by model; cogvideox-flash takes no quality,
size or fps; duration is 5 or 10; fps 30 or 60; quality "speed" or "quality"; prompt ≤ 512 chars.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.errors import InvalidOptions
from bot.models import VideoOptions

_V2_SIZES = ("720x480", "1024x1024", "1280x960", "960x1280", "1920x1080", "1080x1920", "2048x1080", "3840x2160")
_V3_SIZES = ("1280x720", "720x1280", "1024x1024", "1920x1080", "1080x1920", "2048x1080", "3840x2160")


@dataclass(frozen=True)
class ModelSpec:
    """The options one model accepts (an empty tuple: the model takes no such option)."""

    name: str
    sizes: tuple[str, ...]
    fps: tuple[int, ...] = (30, 60)
    qualities: tuple[str, ...] = ("speed", "quality")
    durations: tuple[int, ...] = (5, 10)
    audio: bool = True


MODELS: dict[str, ModelSpec] = {
    "cogvideox-2": ModelSpec("cogvideox-2", _V2_SIZES),
    "cogvideox-3": ModelSpec("cogvideox-3", _V3_SIZES),
    "cogvideox-flash": ModelSpec("cogvideox-flash", (), fps=(), qualities=()),
}
ALL_SIZES = tuple(dict.fromkeys(_V2_SIZES + _V3_SIZES))
PROMPT_MAX = 512
DEFAULT_DURATION = 5  # seconds: what the service makes when no duration is sent (cogvideox-api.md §2)
DEFAULT_FPS = 30  # likewise for fps, on models that take fps


def validate_options(options: VideoOptions) -> VideoOptions:
    """Return ``options`` if the model accepts every one of them.

    Raises:
        InvalidOptions: names the first option the model does not accept and what it does accept.
    """
    spec = MODELS.get(options.model)
    if spec is None:
        raise InvalidOptions(option="model", value=options.model, model=options.model, allowed=tuple(MODELS))
    checks: tuple[tuple[str, object, tuple[object, ...]], ...] = (
        ("size", options.size, spec.sizes),
        ("duration", options.duration, spec.durations),
        ("fps", options.fps, spec.fps),
        ("quality", options.quality, spec.qualities),
    )
    for name, value, allowed in checks:
        if value is not None and value not in allowed:
            raise InvalidOptions(option=name, value=value, model=spec.name, allowed=tuple(str(a) for a in allowed))
    if options.with_audio and not spec.audio:
        raise InvalidOptions(option="with_audio", value=True, model=spec.name)
    return options


def request_body(
    options: VideoOptions, *, prompt: str, image: str | None, request_id: str, user_id: str
) -> dict[str, object]:
    """Build the JSON body of ``POST …/videos/generations``, leaving out what was not chosen."""
    body: dict[str, object] = {"model": options.model, "request_id": request_id, "user_id": user_id}
    if prompt:
        body["prompt"] = prompt
    if image:
        body["image_url"] = image
    for key in ("size", "duration", "fps", "quality"):
        value = getattr(options, key)
        if value is not None:
            body[key] = value
    if options.with_audio:
        body["with_audio"] = True
    return body
