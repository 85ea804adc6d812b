"""Error codes and log events are one typed list each, shared by the lifecycle and the texts."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from bot.jobs.notify import LOG_EVENTS
from bot.models import ErrorCode
from bot.ui.i18n import catalogs
from bot.ui.text import failure

ROOT = Path(__file__).resolve().parents[2]


def written_error_codes() -> dict[str, str]:
    """Every string literal the code stores as an error code: ``error_code="…"``, ``{"error_code": "…"}`` and
    ``_refusal_code``."""
    found: dict[str, str] = {}
    for path in sorted((ROOT / "bot").rglob("*.py")):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            values: list[ast.expr] = []
            if isinstance(node, ast.keyword) and node.arg == "error_code":
                values.append(node.value)
            if isinstance(node, ast.Dict):  # changes={"error_code": "…"} handed to a transition
                values += [
                    v
                    for k, v in zip(node.keys, node.values, strict=True)
                    if isinstance(k, ast.Constant) and k.value == "error_code"
                ]
            if isinstance(node, ast.FunctionDef) and node.name == "_refusal_code":
                values += [n.value for n in ast.walk(node) if isinstance(n, ast.Return) and n.value is not None]
            for value in values:  # "x", a or "x", "x" if c else "y" (not row["error_code"])
                operands = value.values if isinstance(value, ast.BoolOp) else [value]
                operands = [o for v in operands for o in ((v.body, v.orelse) if isinstance(v, ast.IfExp) else (v,))]
                for leaf in operands:
                    if isinstance(leaf, ast.Constant) and isinstance(leaf.value, str):
                        found[leaf.value] = f"{path.relative_to(ROOT)}:{leaf.lineno}"
    return found


def test_every_error_code_the_lifecycle_writes_is_in_the_enum() -> None:
    """A job can never end with a code the texts cannot explain."""
    written = written_error_codes()
    assert {"rejected", "cancelled", "content_rejected"} <= set(written)  # the scan sees the writers
    unknown = {code: where for code, where in written.items() if code not in set(ErrorCode)}
    assert unknown == {}


@pytest.mark.parametrize("lang", sorted(catalogs()))
@pytest.mark.parametrize("code", list(ErrorCode))
def test_every_error_code_has_its_sentence(code: ErrorCode, lang: str) -> None:
    assert f"failure.{code}" in catalogs()[lang]["messages"]
    assert failure(code, lang) == catalogs()[lang]["messages"][f"failure.{code}"]


def test_every_log_event_has_its_line() -> None:
    messages = catalogs()["en"]["messages"]
    special = {"result": ("log.result_ok", "log.result_failed")}
    for kind in LOG_EVENTS:
        for key in special.get(kind, (f"log.{kind}",)):
            assert key in messages, key


def test_every_log_event_sent_is_declared() -> None:
    """mypy checks call sites against the Literal; this catches one built from a variable."""
    sent: set[str] = set()
    for path in [*sorted((ROOT / "bot").rglob("*.py")), *sorted((ROOT / "cogs").rglob("*.py"))]:
        for node in ast.walk(ast.parse(path.read_text())):
            is_event = isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "event"
            if is_event and len(node.args) >= 2 and isinstance(node.args[1], ast.Constant):
                sent.add(str(node.args[1].value))
    assert sent and sent <= set(LOG_EVENTS), sent - set(LOG_EVENTS)
