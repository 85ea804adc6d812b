"""Options checked against the model catalogue, and the request body built from them.

What each model accepts is data (bot/provider/catalogue.toml); nothing about a model is written
here. A job with two pictures (first and last frame) keeps them in one stored string (see
``pack_images``), so the store and the submitter handle it like any picture job.
"""

from __future__ import annotations

import json

from bot.errors import InvalidOptions
from bot.models import VideoOptions
from bot.provider.catalogue import Catalogue, ModelSpec, active

PROMPT_MAX = 512
DEFAULT_DURATION = 5  # seconds: what the service makes when no duration is sent (cogvideox-api.md §2)
DEFAULT_FPS = 30  # likewise for fps, on models that take fps


def pack_images(images: list[str]) -> str | None:
    """Return the pictures of one job as one stored string (a data URI, or a JSON list of them)."""
    if not images:
        return None
    return images[0] if len(images) == 1 else json.dumps(images)


def unpack_images(stored: str | None) -> list[str]:
    """Return the pictures ``pack_images`` stored (data URIs never start with "[")."""
    if not stored:
        return []
    if stored.startswith("["):
        return [str(i) for i in json.loads(stored)]
    return [stored]


def spec_for(options: VideoOptions, catalogue: Catalogue | None = None) -> ModelSpec:
    """Return the model's entry.

    Raises:
        InvalidOptions: the model is not in the catalogue.
    """
    cat = catalogue or active()
    spec = cat.get(options.model)
    if spec is None:
        raise InvalidOptions(option="model", value=options.model, model=options.model, allowed=tuple(cat.models))
    return spec


def validate_options(
    options: VideoOptions, *, pictures: int | None = None, catalogue: Catalogue | None = None
) -> VideoOptions:
    """Return ``options`` if the model accepts every one of them (and ``pictures`` pictures, when given).

    Raises:
        InvalidOptions: names the first option the model does not accept and what it does accept;
            option "images" when the model cannot use that many pictures.
    """
    spec = spec_for(options, catalogue)
    mode = None
    if pictures is not None:
        mode = spec.mode_for(pictures)
        if mode is None:
            raise InvalidOptions(option="images", value=pictures, model=spec.name, allowed=spec.modes)
    for name, value in options.chosen().items():
        allowed = spec.allowed(name, mode=mode)
        text = str(value).lower() if isinstance(value, bool) else str(value)
        if text not in allowed:
            if name == "quality" and mode == "start_end" and spec.start_end_qualities:
                raise InvalidOptions(option="start_end_quality", value=value, model=spec.name, allowed=allowed)
            raise InvalidOptions(option=name, value=value, model=spec.name, allowed=allowed)
    return options


def request_body(
    options: VideoOptions,
    *,
    prompt: str,
    image: str | None,
    request_id: str,
    user_id: str,
    catalogue: Catalogue | None = None,
) -> dict[str, object]:
    """Build the JSON body of ``POST …/videos/generations``, leaving out what was not chosen."""
    body: dict[str, object] = {"model": options.model, "request_id": request_id, "user_id": user_id}
    if prompt:
        body["prompt"] = prompt
    images = unpack_images(image)
    if images:
        spec = (catalogue or active()).get(options.model)
        mode = spec.mode_for(len(images)) if spec else None
        body["image_url"] = images[0] if len(images) == 1 and mode != "reference" else images
    for key, value in options.chosen().items():
        body[key] = value
    return body
