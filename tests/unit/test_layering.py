"""The layering is the architecture: the domain never imports discord."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = (
    "bot/jobs",
    "bot/spending",
    "bot/moderation",
    "bot/provider",
    "bot/store",
    "bot/models.py",
    "bot/errors.py",
    "bot/config.py",
    "bot/media.py",
    "bot/health.py",
    "bot/metrics.py",
    "bot/logs.py",
    "bot/doctor.py",
    "bot/tryout.py",
    "bot/retention.py",
)


def imported_roots(source: str) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def domain_files() -> list[Path]:
    files: list[Path] = []
    for entry in DOMAIN:
        path = ROOT / entry
        files += sorted(path.rglob("*.py")) if path.is_dir() else [path]
    return files


@pytest.mark.parametrize("path", domain_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_domain_module_does_not_import_discord(path: Path) -> None:
    assert "discord" not in imported_roots(path.read_text())


def test_the_check_sees_an_import_of_discord() -> None:
    assert "discord" in imported_roots("from discord import ui\n")
    assert "discord" in imported_roots("import discord.http\n")


def test_models_import_nothing_of_ours() -> None:
    assert "bot" not in imported_roots((ROOT / "bot/models.py").read_text())


# The direction of imports (DESIGN.md): cogs -> bot.ui -> bot.services -> bot.jobs, bot.spending,
# bot.moderation -> bot.provider, bot.store -> bot.models. A module may import its own layer and the
# layers below it, never one above (TYPE_CHECKING imports count too: they are the same dependency).
LAYERS: dict[str, int] = {
    "cogs": 7,
    "bot.app": 7,  # the composition root and the command line sit on top
    "bot.cli": 7,
    "bot.__main__": 7,
    "bot.ui": 6,
    "bot.services": 5,
    "bot.config": 5,
    "bot.doctor": 5,
    "bot.tryout": 5,
    "bot.health": 5,
    "bot.jobs": 4,
    "bot.spending": 4,
    "bot.moderation": 4,
    "bot.media": 4,
    "bot.retention": 4,  # the picture pruner: a domain task beside the runner
    "bot.provider": 3,
    "bot.store": 3,
    "bot.models": 1,
    "bot.errors": 1,
    "bot.logs": 1,
    "bot.metrics": 1,
    "bot.pacing": 1,  # acknowledgements first: asyncio only
}


def layer_of(module: str) -> int:
    """Return the layer of a module of ours (the longest matching prefix decides)."""
    for prefix in sorted(LAYERS, key=len, reverse=True):
        if module == prefix or module.startswith(prefix + "."):
            return LAYERS[prefix]
    raise AssertionError(f"{module} has no layer: add it to LAYERS")


def imported_modules(source: str) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            if node.module in ("bot", "cogs"):  # "from cogs import _button_actions": the module imported
                found |= {f"{node.module}.{a.name}" for a in node.names if _is_module(node.module, a.name)}
    return {m for m in found if m.split(".")[0] in ("bot", "cogs") and m not in ("bot", "cogs")}


def _is_module(package: str, name: str) -> bool:
    return (ROOT / package / f"{name}.py").is_file() or (ROOT / package / name).is_dir()


def our_modules() -> list[tuple[str, Path]]:
    files = sorted((ROOT / "bot").rglob("*.py")) + sorted((ROOT / "cogs").rglob("*.py"))
    modules = []
    for path in files:
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        if name not in ("bot", "cogs"):
            modules.append((name, path))
    return modules


@pytest.mark.parametrize(("module", "path"), our_modules(), ids=[m for m, _ in our_modules()])
def test_no_module_imports_a_layer_above_its_own(module: str, path: Path) -> None:
    mine = layer_of(module)
    upward = sorted(m for m in imported_modules(path.read_text()) if layer_of(m) > mine)
    assert upward == [], f"{module} (layer {mine}) imports {upward}"


def test_the_layer_check_sees_an_upward_import() -> None:
    assert imported_modules("if TYPE_CHECKING:\n    from bot.app import Services\n") == {"bot.app"}
    assert layer_of("bot.app") > layer_of("bot.ui.buttons") > layer_of("bot.services") > layer_of("bot.jobs.runner")
    assert layer_of("bot.jobs.runner") > layer_of("bot.store.sql") > layer_of("bot.models")
