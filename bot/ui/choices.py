"""What a member is offered while typing /video or /animate: the catalogue, filtered by the chosen
model and the server's rules, each choice labelled with its shape, its default and its price.

Pure functions over the catalogue (autocomplete must answer within 3 seconds, so nothing here waits).
"""

from __future__ import annotations

from collections.abc import Callable
from math import gcd

from discord.app_commands import Choice

from bot.models import GuildPolicy, format_credits
from bot.provider.catalogue import Catalogue, ModelSpec
from bot.ui.i18n import t

MAX_CHOICES = 25  # Discord shows at most 25 autocomplete choices


def models_for(catalogue: Catalogue, policy: GuildPolicy, *, base_url: str, pictures: bool) -> list[ModelSpec]:
    """Return the models this server may use that the provider serves, for text (``pictures`` False) or pictures."""
    return [
        m
        for m in catalogue.offered(base_url)
        if (not policy.models or m.name in policy.models)
        and (any(m.mode_for(n) for n in range(1, m.images.max + 1)) if pictures else "text" in m.modes)
    ]


def model_choices(
    specs: list[ModelSpec], current: str, *, default: str, price: Callable[[str], int], lang: str
) -> list[Choice[str]]:
    """Label each model with its price here, and mark the server's default."""
    out = []
    for spec in specs:
        label = t("choice.model", lang, label=spec.label or spec.name, price=format_credits(price(spec.name)))
        if spec.name == default:
            label += t("choice.default", lang)
        if _matches(current, spec.name, label):
            out.append(Choice(name=label[:100], value=spec.name))
    return out[:MAX_CHOICES]


def shape(size: str, lang: str) -> str:
    """Label a size by its shape: "Landscape 16:9 — 1920×1080"."""
    width, height = (int(p) for p in size.split("x"))
    divisor = gcd(width, height)
    w, h = width // divisor, height // divisor
    ratio = f"{w}:{h}" if max(w, h) <= 21 else f"{max(width, height) / min(width, height):.2f}:1"
    kind = "choice.landscape" if width > height else "choice.portrait" if width < height else "choice.square"
    return t(kind, lang, ratio=ratio, width=width, height=height)


def option_choices(
    spec: ModelSpec | None, option: str, current: str, *, policy: GuildPolicy, catalogue: Catalogue, lang: str
) -> list[Choice[str]]:
    """Offer the values the model takes for ``option`` (none it does not take, none the server forbids)."""
    if spec is None:
        return []
    out = []
    for value in spec.allowed(option):
        if any(name in policy.forbidden for name in catalogue.expensive_in({option: value})):
            continue
        label = _value_label(option, value, lang)
        if value == spec.default(option):
            label += t("choice.default", lang)
        if _matches(current, value, label):
            out.append(Choice(name=label[:100], value=value))
    return out[:MAX_CHOICES]


def _value_label(option: str, value: str, lang: str) -> str:
    if option == "size":
        return shape(value, lang)
    if option == "duration":
        return t("choice.seconds", lang, n=value)
    if option == "fps":
        return t("choice.fps", lang, n=value)
    return value


def _matches(current: str, value: str, label: str) -> bool:
    needle = current.strip().lower()
    return not needle or needle in value.lower() or needle in label.lower()
