"""The package keeps the developers' guide's shape: no function over ~60 lines, no module over ~500.

A long function is a list of steps without names; a long module is two
responsibilities. Measured with :mod:`ast` (a function's lines run from its
``def`` to its last statement, docstring included).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "backplan_xlsx"
MAX_FUNCTION_LINES = 60
MAX_MODULE_LINES = 500


def _modules() -> list[Path]:
    """Every module of the package: none is exempt."""
    return sorted(PACKAGE.rglob("*.py"))


def _long_functions(path: Path, root: Path = PACKAGE) -> list[str]:
    """``file:line name: N lines`` for every function (methods, nested ones) over the limit."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            end = node.end_lineno if node.end_lineno is not None else node.lineno
            lines = end - node.lineno + 1
            if lines > MAX_FUNCTION_LINES:
                out.append(f"{path.relative_to(root)}:{node.lineno} {node.name}: {lines} lines")
    return out


def test_the_scan_sees_the_package() -> None:
    assert len(_modules()) > 30
    assert PACKAGE / "spec.py" in _modules()
    assert PACKAGE / "guard.py" in _modules()
    assert PACKAGE / "cli" / "importing.py" in _modules()


@pytest.mark.parametrize("path", _modules(), ids=lambda p: p.relative_to(PACKAGE).as_posix())
def test_no_function_is_over_sixty_lines(path: Path) -> None:
    assert _long_functions(path) == []


@pytest.mark.parametrize("path", _modules(), ids=lambda p: p.relative_to(PACKAGE).as_posix())
def test_no_module_is_over_five_hundred_lines(path: Path) -> None:
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_MODULE_LINES, f"{path.relative_to(PACKAGE)}: {lines} lines"


def test_the_scan_finds_a_long_function_and_a_long_method(tmp_path: Path) -> None:
    body = "\n".join(f"        x{i} = {i}" for i in range(MAX_FUNCTION_LINES))
    sample = tmp_path / "long.py"
    sample.write_text(
        f"def short():\n    return 1\n\n\nclass C:\n    def long(self):\n{body}\n",
        encoding="utf-8",
    )
    assert _long_functions(sample, tmp_path) == [f"long.py:6 long: {MAX_FUNCTION_LINES + 1} lines"]
