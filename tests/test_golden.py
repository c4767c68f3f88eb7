"""The built workbook against the golden reference, part by part (see tests/golden.py)."""

from __future__ import annotations

import zipfile
from pathlib import Path

from tests.golden import GOLDEN, REGENERATE, build_reference, first_difference, parts


def test_the_workbook_matches_the_golden_reference(tmp_path: Path) -> None:
    assert GOLDEN.exists(), f"no reference workbook; create it with: {REGENERATE}"
    diff = first_difference(parts(GOLDEN), parts(build_reference(tmp_path / "sales.xlsx")))
    assert not diff, f"{diff}\nIf the change is intended, regenerate the reference: {REGENERATE}"


def test_one_changed_cell_is_a_named_diff(tmp_path: Path) -> None:
    built = build_reference(tmp_path / "sales.xlsx")
    changed = tmp_path / "changed.xlsx"
    with zipfile.ZipFile(built) as src, zipfile.ZipFile(changed, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet3.xml":
                data = data.replace(b"<v>2400000</v>", b"<v>2500000</v>", 1)
            dst.writestr(item, data)
    diff = first_difference(parts(built), parts(changed))
    assert diff.startswith("xl/worksheets/sheet3.xml differs")
    assert "-<v>2400000</v>" in diff and "+<v>2500000</v>" in diff
