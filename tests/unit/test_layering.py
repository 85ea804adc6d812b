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
