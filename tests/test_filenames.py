"""File names for people: distinct, stable, Windows-safe, short, one form of Unicode."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Literal

from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from backplan_xlsx.cli import main
from backplan_xlsx.filenames import MAX_STEM, is_reserved, person_file_names

WINDOWS_FORBIDDEN = re.compile(r'[<>:"/\\|?*\x00-\x1f]')


def _windows_safe(name: str) -> bool:
    stem = name.rsplit(".", 1)[0]
    return (
        not WINDOWS_FORBIDDEN.search(name)
        and not name.endswith((".", " "))
        and not is_reserved(stem)
        and stem != ""
        and len(name.encode()) <= 255
    )


def test_names_that_meet_get_distinct_stable_names() -> None:
    people = [("O1", "A O3"), ("O2", "A"), ("O3", "A."), ("O4", "a")]
    names = person_file_names(people, ".xlsx")
    assert names == {"O1": "a-o3.xlsx", "O2": "a.xlsx", "O3": "a-o3-2.xlsx", "O4": "a-o4.xlsx"}
    assert person_file_names(people, ".xlsx") == names  # stable from run to run


def test_composed_and_decomposed_accents_make_one_name() -> None:
    composed = unicodedata.normalize("NFC", "José Núñez")
    decomposed = unicodedata.normalize("NFD", "José Núñez")
    assert person_file_names([("O1", composed)], ".md") == {"O1": "jose-nunez.md"}
    assert person_file_names([("O1", decomposed)], ".md") == {"O1": "jose-nunez.md"}
    assert person_file_names([("O1", "王伟"), ("O2", "अनिल कुमार")], ".md") == {
        "O1": "王伟.md",
        "O2": "अनिल-कुमार.md",
    }


def test_reserved_windows_names_are_never_used() -> None:
    people = [(f"O{i}", n) for i, n in enumerate(["con", "NUL", "aux", "com1", "LPT9", "prn"], 1)]
    names = person_file_names(people, ".xlsx")
    assert names["O1"] == "con-o1.xlsx"
    assert all(_windows_safe(n) for n in names.values()), names
    assert is_reserved("CON.tar") and is_reserved("com¹") and not is_reserved("console")


def test_long_names_are_capped() -> None:
    names = person_file_names([("O1", "Ravi " + "Patel" * 60), ("O2", "ü" * 300)], ".xlsx")
    assert all(len(Path(n).stem) <= MAX_STEM for n in names.values())


@given(st.lists(st.text(min_size=0, max_size=80), min_size=1, max_size=12))
def test_any_names_give_distinct_safe_files(names: list[str]) -> None:
    people = [(f"O{i}", n) for i, n in enumerate(names, 1)]
    out = person_file_names(people, ".xlsx")
    files = list(out.values())
    assert len({f.casefold() for f in files}) == len(files)  # case-blind systems too
    assert all(_windows_safe(f) for f in files), files
    assert all(unicodedata.is_normalized("NFC", f) for f in files)


def test_split_and_brief_give_everyone_their_own_file(tmp_path: Path) -> None:
    from tests.conftest import TEMPLATES

    spec = (TEMPLATES / "sales.yaml").read_text(encoding="utf-8")
    for old, new in (("Ravi Patel", "A O3"), ("Mei Chen", "A"), ("Dana Whitfield", "A.")):
        assert old in spec
        spec = spec.replace(old, new)
    (tmp_path / "plan.yaml").write_text(spec, encoding="utf-8")
    book = tmp_path / "plan.xlsx"
    runner = CliRunner()
    result = runner.invoke(main, ["build", str(tmp_path / "plan.yaml"), "-o", str(book)])
    assert result.exit_code == 0, result.output
    for command, folder in (("split", "parts"), ("brief", "briefs")):
        result = runner.invoke(main, [command, str(book), "-o", str(tmp_path / folder)])
        assert result.exit_code == 0, result.output
        wrote = [line.split()[1].rstrip(":") for line in result.stdout.splitlines()]
        files = sorted(p.name for p in (tmp_path / folder).iterdir())
        assert len(wrote) == len(set(wrote)) == len(files) == 5, (wrote, files)
        assert sorted(Path(w).name for w in wrote) == files


def test_one_person_spelt_two_ways_is_refused_in_the_spec(tmp_path: Path) -> None:
    from tests.conftest import TEMPLATES

    spec = (TEMPLATES / "sales.yaml").read_text(encoding="utf-8")
    forms: tuple[tuple[str, Literal["NFC", "NFD"]], ...] = (
        ("Ravi Patel", "NFC"),
        ("Mei Chen", "NFD"),
    )
    for owner, form in forms:
        entry = f"- name: {owner}\n"
        assert entry in spec
        spec = spec.replace(entry, f"- name: {unicodedata.normalize(form, 'José Núñez')}\n")
    (tmp_path / "plan.yaml").write_text(spec, encoding="utf-8")
    result = CliRunner().invoke(
        main, ["build", str(tmp_path / "plan.yaml"), "-o", str(tmp_path / "p.xlsx")]
    )
    assert result.exit_code == 2
    assert "listed twice" in result.stderr
    assert not (tmp_path / "p.xlsx").exists()
