"""Rebuild bot/ui/locales/zh-TW.json from zh-CN.json: OpenCC's s2twp (Traditional characters, Taiwan
phrases), then the terms Discord's own Taiwanese interface and Taiwanese readers use.

Run by hand after changing zh-CN.json (the conversion is not needed at run time):
    pip install opencc-python-reimplemented && python tools/make_zh_tw.py
then read the diff: a machine conversion is a draft, and a test checks the result stays in step.
"""

from __future__ import annotations

import json
from pathlib import Path

from opencc import OpenCC  # type: ignore[import-not-found]

LOCALES = Path(__file__).resolve().parents[1] / "bot" / "ui" / "locales"
# After s2twp: Taiwan's words where OpenCC picks mainland or formal ones.
TERMS = (
    ("身份組", "身分組"),
    ("積分", "點數"),
    ("應用 →", "應用程式 →"),
    ("屏蔽詞", "禁用詞"),
    ("遮蔽詞", "禁用詞"),
    ("正則表達式", "正規表示式"),
    ("正則表示式", "正規表示式"),
    ("正則", "正規"),
    ("日誌頻道", "記錄頻道"),
    ("日誌", "記錄"),
    ("運營者", "營運者"),
    ("稽核", "審核"),
    ("許可權", "權限"),
    ("賬", "帳"),
    ("舉報", "檢舉"),
    ("封禁", "封鎖"),
    ("頻道里", "頻道裡"),
    ("幀率", "影格率"),
    ("幀", "格"),
    ("響應", "回應"),
    ("充值", "儲值"),
    ("畫素", "像素"),
    ("按成員", "依成員"),
    ("按天", "依日期"),
    ("按其", "依其"),
    ("按成員和日期", "依成員和日期"),
    ("型別", "類型"),
    ("按編號", "依編號"),
    ("點數數", "點數"),
    ("“", "「"),
    ("”", "」"),
)


def convert(text: str, cc: OpenCC) -> str:
    out: str = cc.convert(text)
    for simplified_style, taiwan in TERMS:
        out = out.replace(simplified_style, taiwan)
    return out


def main() -> None:
    cc = OpenCC("s2twp")
    source = json.loads((LOCALES / "zh-CN.json").read_text(encoding="utf-8"))
    result = {section: {k: convert(v, cc) for k, v in source[section].items()} for section in ("messages", "commands")}
    text = json.dumps(result, ensure_ascii=False, indent=2) + "\n"
    (LOCALES / "zh-TW.json").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
