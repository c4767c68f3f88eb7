"""Fuzzing the reader: mutated bytes and XML only ever fail with our own error.

Hypothesis mutates a real built workbook (flipped bytes anywhere in the zip;
XML parts truncated, spliced, given garbage or extreme cell references) and
the reader, run isolated as the commands run it, must either read it or
raise a BackplanError. A bug anywhere (an IndexError in our code, say)
comes back as IsolatedBug and fails the test with the worker's traceback.
"""

from __future__ import annotations

import io
import zipfile
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backplan_xlsx.errors import BackplanError
from backplan_xlsx.isolate import run_isolated
from backplan_xlsx.reader import read_workbook
from backplan_xlsx.spec import load_spec
from backplan_xlsx.writer import build_workbook
from tests.conftest import TEMPLATES


@pytest.fixture(scope="module")
def original(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    path = tmp_path_factory.mktemp("fuzz") / "plan.xlsx"
    build_workbook(load_spec(TEMPLATES / "sales.yaml"), path, date(2027, 5, 10))
    return path.read_bytes()


def _read(data: bytes, tmp: Path) -> None:
    path = tmp / "mutated.xlsx"
    path.write_bytes(data)
    try:
        run_isolated(read_workbook, path, file=path.name, timeout=30)
    except BackplanError as exc:
        assert str(exc).strip()


FUZZ = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@FUZZ
@given(st.lists(st.tuples(st.floats(0, 1), st.integers(0, 255)), min_size=1, max_size=8))
def test_flipped_bytes(original: bytes, tmp_path: Path, flips: list[tuple[float, int]]) -> None:
    data = bytearray(original)
    for where, value in flips:
        data[int(where * (len(data) - 1))] = value
    _read(bytes(data), tmp_path)


MUTATIONS = st.sampled_from(["truncate", "garbage", "splice", "far", "text-number", "empty"])


@FUZZ
@given(st.integers(0, 30), MUTATIONS, st.binary(max_size=40), st.floats(0, 1))
def test_mutated_xml(
    original: bytes, tmp_path: Path, member: int, how: str, junk: bytes, where: float
) -> None:
    src = zipfile.ZipFile(io.BytesIO(original))
    names = [n for n in src.namelist() if n.endswith((".xml", ".rels"))]
    target = names[member % len(names)]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in src.namelist():
            data = src.read(name)
            if name == target:
                cut = int(where * len(data))
                if how == "truncate":
                    data = data[:cut]
                elif how == "garbage":
                    data = data[:cut] + junk + data[cut:]
                elif how == "splice":
                    data = data[:cut] + data[cut // 2 :]
                elif how == "far":
                    data = data.replace(b' r="A', b' r="XFD104857', 1)
                elif how == "text-number":
                    data = data.replace(b"<v>", b"<v>x", 3)
                else:
                    data = b""
            dst.writestr(name, data)
    _read(out.getvalue(), tmp_path)
