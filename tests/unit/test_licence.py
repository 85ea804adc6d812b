"""The licence an operator or packager sees: one MIT licence, the same in the repository, the package and the image."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_mit_licence_is_at_the_root_and_named_by_the_package_and_the_image() -> None:
    """Proves LICENSE exists with the MIT text, and pyproject.toml and the Docker image labels say MIT too."""
    licence = (ROOT / "LICENSE").read_text()
    assert licence.startswith("MIT License")
    assert re.search(r"^Copyright \(c\) \d{4} reelbot contributors$", licence, re.M)
    assert 'THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND' in licence
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["license"] == "MIT" and project["license-files"] == ["LICENSE"]
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert 'org.opencontainers.image.licenses="MIT"' in dockerfile
    assert re.search(r"^COPY .*\bLICENSE\b", dockerfile, re.M)  # the installed package carries the text
