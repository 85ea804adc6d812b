"""The model catalogue: what each video model accepts, as data (catalogue.toml, shipped in the
package) plus the operator's own file (MODELS_FILE), checked at start with one line per problem.

Everything about a model (its options and their allowed values, how many pictures it takes, its
default price, its poll-schedule prior, the provider hosts that serve it) lives here and nowhere else.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from bot.provider.catalogue_fields import (
    EXTRA_OPTIONS,
    FIELDS,
    MODES,
    OPTION_NAMES,
    PICTURES_NEEDED,
    Bad,
    ImageLimits,
)

__all__ = ["EXTRA_OPTIONS", "MODES", "OPTION_NAMES", "Catalogue", "CatalogueError", "ImageLimits", "ModelSpec"]


class CatalogueError(ValueError):
    """The catalogue (usually the operator's MODELS_FILE) is wrong; one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass(frozen=True)
class ModelSpec:
    """One model, as the catalogue describes it (an empty tuple: the model takes no such option)."""

    name: str
    modes: tuple[str, ...]
    label: str = ""
    sizes: tuple[str, ...] = ()
    fps: tuple[int, ...] = ()
    durations: tuple[int, ...] = ()
    qualities: tuple[str, ...] = ()
    start_end_qualities: tuple[str, ...] = ()
    audio: bool = False
    watermark: bool = False
    extras: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    defaults: Mapping[str, object] = field(default_factory=dict)
    images: ImageLimits = field(default_factory=ImageLimits)
    price: int | None = None  # micro-credits; None: the operator's PRICE_PER_VIDEO
    list_price: str = ""
    prior_s: float = 120.0
    bases: tuple[str, ...] = ()

    def allowed(self, option: str, *, mode: str | None = None) -> tuple[str, ...]:
        """Return the values ``option`` may take, as text ("true" for with_audio); () if not taken."""
        if option == "quality" and mode == "start_end" and self.start_end_qualities:
            return self.start_end_qualities
        values: tuple[object, ...] = {
            "size": self.sizes,
            "duration": self.durations,
            "fps": self.fps,
            "quality": self.qualities,
            "with_audio": ("true", "false") if self.audio else (),
        }.get(option) or self.extras.get(option, ())
        return tuple(str(v) for v in values)

    def mode_for(self, pictures: int) -> str | None:
        """Return how this model uses ``pictures`` pictures, or None if it cannot."""
        if pictures > self.images.max:
            return None
        for mode in ("text", "image", "start_end") if pictures < 3 else ():
            if mode in self.modes and PICTURES_NEEDED[mode] == pictures:
                return mode
        return "reference" if "reference" in self.modes and pictures >= 1 else None

    def default(self, option: str) -> str | None:
        """Return the provider's default for ``option`` as text, if the docs name one."""
        value = self.defaults.get(option)
        return None if value is None else str(value)


@dataclass(frozen=True)
class Catalogue:
    """Every model the bot knows, and the options a moderator may forbid as expensive."""

    models: Mapping[str, ModelSpec]
    expensive: Mapping[str, tuple[str, tuple[str, ...]]] = field(default_factory=dict)
    chat_model: str = "glm-4-flash"  # the [chat] table: the model behind Enhance
    chat_max_tokens: int = 400

    def get(self, name: str) -> ModelSpec | None:
        """Return the model called ``name``, or None."""
        return self.models.get(name)

    def offered(self, base_url: str | None = None) -> list[ModelSpec]:
        """Return the models the provider at ``base_url`` serves (every model on a host we do not know)."""
        host = (urlparse(base_url).hostname or "") if base_url else ""
        known = {b for m in self.models.values() for b in m.bases}
        return [m for m in self.models.values() if host not in known or host in m.bases]

    def all_sizes(self) -> tuple[str, ...]:
        """Return every size any model takes, without repeats."""
        return tuple(dict.fromkeys(s for m in self.models.values() for s in m.sizes))

    def expensive_in(self, values: Mapping[str, object]) -> list[str]:
        """Return the names of the expensive options ``values`` (option -> value) asks for."""
        return [
            name
            for name, (option, bad) in self.expensive.items()
            if values.get(option) is not None and _text(values[option]) in bad
        ]


def _text(value: object) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


@dataclass
class _Source:
    """One TOML file: its name for messages, its text for line numbers, its data."""

    name: str
    text: str
    data: dict[str, Any]

    def line(self, table: tuple[str, ...], key: str | None = None) -> str:
        number = _line_of(self.text, table, key)
        return f"{self.name} line {number}" if number else self.name


def _header(line: str) -> tuple[str, ...] | None:
    match = re.match(r"^\s*\[([^\[\]]+)\]\s*(#.*)?$", line)
    if not match:
        return None
    parts = re.findall(r'"([^"]*)"|\'([^\']*)\'|([^.\s]+)', match.group(1))
    return tuple(a or b or c for a, b, c in parts)


def _line_of(text: str, table: tuple[str, ...], key: str | None) -> int | None:
    """Return the line (from 1) that sets ``key`` in ``table``, else its own sub-table's header, else the table's."""
    current: tuple[str, ...] = ()
    headers: dict[tuple[str, ...], int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        parsed = _header(line)
        if parsed is not None:
            current = parsed
            headers.setdefault(current, number)
        elif key and current == table and re.match(rf'^\s*("{re.escape(key)}"|{re.escape(key)})\s*=', line):
            return number
    if key and (*table, key) in headers:
        return headers[(*table, key)]
    return headers.get(table)


def _parse(name: str, text: str, problems: list[str]) -> _Source | None:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        problems.append(f"{name}: not valid TOML: {exc}")
        return None
    for key in data:
        if key not in {"schema", "models", "expensive", "chat"}:
            problems.append(
                f'{_Source(name, text, data).line((), key)}: unknown top-level key {key!r}; use [models."name"]'
            )
    return _Source(name, text, data)


def shipped_text() -> str:
    """Return the catalogue that ships with the package."""
    return resources.files("bot.provider").joinpath("catalogue.toml").read_text(encoding="utf-8")


def load(operator_file: Path | None = None, *, operator_label: str = "MODELS_FILE") -> Catalogue:
    """Load the shipped catalogue, then the operator's file over it (a field there replaces ours).

    Raises:
        CatalogueError: every problem found, each on one line naming the file, the line and the fix.
    """
    problems: list[str] = []
    sources = [_parse("catalogue.toml (shipped)", shipped_text(), problems)]
    if operator_file is not None:
        label = f"{operator_label}={operator_file}"
        try:
            text = operator_file.read_text(encoding="utf-8")
        except OSError as exc:
            raise CatalogueError(
                [f"{label}: cannot read it ({exc.strerror or exc}); fix the path or unset it."]
            ) from None
        sources.append(_parse(label, text, problems))
    merged: dict[str, dict[str, tuple[object, _Source]]] = {}
    expensive: dict[str, tuple[str, tuple[str, ...]]] = {}
    for source in (s for s in sources if s is not None):
        for name, table in (source.data.get("models") or {}).items():
            if not isinstance(table, dict):
                problems.append(f"{source.line(('models',), name)}: models.{name} must be a table")
                continue
            fields = merged.setdefault(name, {})
            for key, value in table.items():
                fields.pop(key, None)  # an override moves to the end, so problems come in the file's order
                fields[key] = (value, source)
        for name, entry in (source.data.get("expensive") or {}).items():
            where = source.line(("expensive", name))
            option, values = (entry or {}).get("option"), (entry or {}).get("values")
            if option not in OPTION_NAMES or not isinstance(values, list) or not values:
                problems.append(f"{where}: expensive.{name} needs option (one of {', '.join(OPTION_NAMES)}) and values")
                continue
            expensive[name] = (option, tuple(_text(v) for v in values))
    chat: dict[str, Any] = {}
    for source in (s for s in sources if s is not None):
        table = source.data.get("chat") or {}
        for key, value in table.items() if isinstance(table, dict) else ():
            ok = (key == "model" and isinstance(value, str) and value) or (
                key == "max_tokens" and isinstance(value, int) and not isinstance(value, bool) and value > 0
            )
            if not ok:
                where = source.line(("chat",), key)
                problems.append(f'{where}: chat.{key} must be model = "name" or max_tokens = 400')
                continue
            chat[key] = value
    models = {}
    for name, fields in merged.items():
        spec = _build(name, fields, problems)
        if spec is not None:
            models[name] = spec
    if problems:
        raise CatalogueError(problems)
    return Catalogue(
        models, expensive, chat_model=chat.get("model", "glm-4-flash"), chat_max_tokens=chat.get("max_tokens", 400)
    )


def _build(name: str, fields: dict[str, tuple[object, _Source]], problems: list[str]) -> ModelSpec | None:
    table = ("models", name)
    values: dict[str, Any] = {}
    before = len(problems)
    for key, (raw, source) in fields.items():
        check = FIELDS.get(key)
        if check is None:
            problems.append(
                f"{source.line(table, key)}: models.{name}: unknown field {key!r} (known: {', '.join(FIELDS)})"
            )
            continue
        try:
            values[key] = check(raw)
        except Bad as bad:
            problems.append(f"{source.line(table, key)}: models.{name}.{key} {bad}")
    if "modes" not in values and "modes" not in fields:
        problems.append(
            f'{next(iter(fields.values()))[1].line(table)}: models.{name} needs modes, e.g. modes = ["text"]'
        )
    if len(problems) > before:
        return None
    spec = ModelSpec(name=name, **values)
    needed = max(PICTURES_NEEDED[m] for m in spec.modes)
    if spec.images.max < needed:
        source = fields.get("images", fields["modes"])[1]
        problems.append(
            f"{source.line(table, 'images')}: models.{name}: its modes need {needed} picture(s); "
            f"set images = {{ max = {needed} }}"
        )
        return None
    for option, default in spec.defaults.items():
        allowed = spec.allowed(option)
        if allowed and _text(default) not in allowed:
            source = fields["defaults"][1]
            problems.append(
                f"{source.line(table, 'defaults')}: models.{name}.defaults {option} = {default!r} "
                f"is not one of {', '.join(allowed)}"
            )
            return None
    return spec


_ACTIVE: Catalogue | None = None


def use(catalogue: Catalogue) -> None:
    """Make ``catalogue`` the one this process uses (called once at start, from the settings)."""
    global _ACTIVE
    _ACTIVE = catalogue


def active() -> Catalogue:
    """Return the catalogue in use (the shipped one until the settings install another)."""
    global _ACTIVE
    if _ACTIVE is None:
        _ACTIVE = load()
    return _ACTIVE
