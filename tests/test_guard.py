"""The guard refuses every kind of nasty file with a plain, named message."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from backplan_xlsx.errors import WorkbookReadError
from backplan_xlsx.guard import check_file
from tests.corpus import CORPUS, small_workbook


@pytest.mark.parametrize(("make", "word"), CORPUS, ids=[m.__name__ for m, _ in CORPUS])
def test_each_nasty_file_is_refused_by_name(
    tmp_path: Path, make: Callable[[Path], Path], word: str
) -> None:
    path = make(tmp_path)
    with pytest.raises(WorkbookReadError) as info:
        check_file(path)
    message = str(info.value)
    assert message.startswith(f"{path.name}: ")
    assert word.lower() in message.lower(), message
    assert "\n" not in message


def test_a_real_workbook_passes(tmp_path: Path) -> None:
    assert check_file(small_workbook(tmp_path / "ok.xlsx")) == "xlsx"


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(WorkbookReadError, match=r"^nope\.xlsx: no such file"):
        check_file(tmp_path / "nope.xlsx")
