"""Rebuild bot/ui/fonts/NotoSansCJKsc-subset.otf: Noto Sans CJK SC (SIL Open Font License 1.1), Regular,
cut down to printable ASCII and every character in bot/ui/locales — all the usage chart ever draws.

Run by hand after adding characters to a catalog (a test fails when the chart's strings need one):
    pip install fonttools && python tools/subset_font.py path/to/NotoSansCJK-VF.otf.ttc
The source font ships in the PyPI package manimgx-fonts-cjk (33 MB), too big to depend on at run time.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from fontTools import subset  # type: ignore[import-not-found]
from fontTools.ttLib import TTCollection  # type: ignore[import-not-found]
from fontTools.varLib import instancer  # type: ignore[import-not-found]

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bot" / "ui" / "fonts" / "NotoSansCJKsc-subset.otf"


def characters() -> str:
    chars = {chr(c) for c in range(0x20, 0x7F)} | set("·×—–…“”「」（）：，。、％%")
    for path in (ROOT / "bot" / "ui" / "locales").glob("*.json"):
        book = json.loads(path.read_text(encoding="utf-8"))
        for section in book.values():
            if isinstance(section, dict):
                chars |= {ch for text in section.values() for ch in str(text)}
    return "".join(sorted(ch for ch in chars if ch.isprintable()))


def main(source: str) -> None:
    collection = TTCollection(source)
    font = next(f for f in collection.fonts if f["name"].getDebugName(1) == "Noto Sans CJK SC")
    if "fvar" in font:
        font = instancer.instantiateVariableFont(font, {"wght": 400})
    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=characters())
    subsetter.subset(font)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    font.save(OUT)
    sys.stdout.write(f"{OUT}: {OUT.stat().st_size} bytes\n")


if __name__ == "__main__":
    main(sys.argv[1])
