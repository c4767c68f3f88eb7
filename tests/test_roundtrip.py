"""Round trips through LibreOffice: edited workbooks re-saved, with and without
recalculation, and as .ods, read back with the statuses the engine computes.

Every variant is built and edited first, then each kind of re-save converts
all of them in ONE soffice call (start-up dominates): three calls in all.
"""

from __future__ import annotations

import dataclasses
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from backplan_xlsx import layout
from backplan_xlsx.checks import check_workbook
from backplan_xlsx.model import Plan, Snapshot
from backplan_xlsx.reader import read_details, read_workbook
from backplan_xlsx.spec import load_spec
from tests import workbooks as wbk
from tests.conftest import TEMPLATES
from tests.soffice import recalculate

pytestmark = pytest.mark.soffice

TYPED_AS_OF = date(2027, 4, 15)
AS_OFS = (date(2027, 2, 1), wbk.AS_OF, date(2028, 1, 15))
#: Check-ins as people type them into text cells (see test_reader for the parsing).
AS_TEXT: list[tuple[object, object, object, object]] = [
    (d.isoformat(), g, o, f"{v:,}" if v >= 1000 else str(v)) for d, g, o, v in wbk.CHECK_INS
]


def _filled(wb: Any) -> None:
    wbk.fill(wb)


def _appended(wb: Any) -> None:
    wbk.fill(wb, wbk.CHECK_INS[:3], first_row=layout.CHECK_IN_ROWS + 25)
    wbk.fill(wb, wbk.CHECK_INS[3:], first_row=9, done={}, reviews={})


def _as_text(wb: Any) -> None:
    wbk.fill(wb, AS_TEXT)


def _broken(wb: Any) -> None:
    wbk.fill(wb)
    actions = wb[layout.ACTIONS]
    actions.delete_rows(wbk.row_of(actions, "A17"))
    ms = wb[layout.MILESTONES]
    ms.cell(wbk.row_of(ms, "M4"), wbk.header_col(ms, "Actual"), 123456)


def _columns(wb: Any) -> None:
    wbk.fill(wb)
    for name in (layout.GOALS, layout.ACTIONS, layout.ANTI_GOALS, layout.CHECK_INS):
        ws = wb[name]
        ws.insert_cols(2)
        ws.cell(1, 2, "Inserted by a person")
    ins = wb[layout.CHECK_INS]
    ins.move_range("F1:F400", cols=4)  # Comment out of the way
    ins.move_range("B1:B400", cols=4)  # the inserted column into its place
    ins.move_range("J1:J400", cols=-8)  # Comment where the inserted one was


def _no_record(wb: Any) -> None:
    wbk.fill(wb)
    wb.remove(wb[layout.META])


def _typed_as_of(wb: Any) -> None:
    wbk.fill(wb)
    sheet, ref = next(wb.defined_names["AsOf"].destinations)
    wb[sheet][ref.replace("$", "")] = TYPED_AS_OF
    wb[sheet][ref.replace("$", "")].number_format = "yyyy-mm-dd"


VARIANTS = {
    "filled": _filled,
    "appended": _appended,
    "as_text": _as_text,
    "broken": _broken,
    "columns": _columns,
    "no_record": _no_record,
    "typed_as_of": _typed_as_of,
}
TO_ODS = ("filled", "columns", "typed_as_of")


@dataclass(frozen=True)
class Files:
    """Each variant as edited with openpyxl, and after each kind of re-save."""

    edited: dict[str, Path]
    recalculated: dict[str, Path]
    resaved: dict[str, Path]
    ods: dict[str, Path]


def resave_without_recalculation(paths: list[Path], outdir: Path, soffice: str) -> list[Path]:
    """A plain re-save, as a LibreOffice user does: stored values kept, nothing recalculated."""
    outdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="backplan-lo-plain-") as profile:
        subprocess.run(
            [
                soffice,
                f"-env:UserInstallation={Path(profile).as_uri()}",
                "--headless",
                "--norestore",
                "--nolockcheck",
                "--convert-to",
                "xlsx",
                "--outdir",
                str(outdir),
                *map(str, paths),
            ],
            check=True,
            capture_output=True,
            timeout=300,
        )
    out = [outdir / p.name for p in paths]
    assert all(p.exists() for p in out), out
    return out


@pytest.fixture(scope="module")
def plan() -> Plan:
    return load_spec(TEMPLATES / "sales.yaml")


@pytest.fixture(scope="module")
def files(soffice: str, plan: Plan, tmp_path_factory: pytest.TempPathFactory) -> Files:
    root = tmp_path_factory.mktemp("roundtrip")
    base = wbk.build(plan, root / "base.xlsx")
    edited_dir = root / "edited"
    edited_dir.mkdir()
    edited = {
        name: wbk.edit(base, change, edited_dir / f"{name}.xlsx")
        for name, change in VARIANTS.items()
    }
    names = list(edited)
    paths = [edited[n] for n in names]
    recalculated = recalculate(paths, root / "recalculated", binary=soffice)
    resaved = resave_without_recalculation(paths, root / "resaved", soffice)
    ods_in = [edited[n] for n in TO_ODS]
    ods = recalculate(ods_in, root / "ods", convert_to="ods", binary=soffice)
    return Files(
        edited,
        dict(zip(names, recalculated, strict=True)),
        dict(zip(names, resaved, strict=True)),
        dict(zip(TO_ODS, ods, strict=True)),
    )


def expected(plan: Plan, name: str) -> Snapshot:
    """What the engine should see in a variant, whatever re-saved it."""
    if name == "broken":
        kept = tuple(a for a in plan.actions if a.id != "A17")
        return wbk.expected_snapshot(dataclasses.replace(plan, actions=kept))
    want = wbk.expected_snapshot(plan)
    if name == "as_text":
        # Typed as text, no check-in counts: the workbook's formulas skip text (rules.counts).
        typed = tuple(dataclasses.replace(c, as_text=str(c.value)) for c in want.check_ins)
        return dataclasses.replace(want, check_ins=typed)
    return want


def _read(files: Files, kind: str, name: str) -> Path:
    return getattr(files, kind)[name]  # type: ignore[no-any-return]


KINDS = ("edited", "recalculated", "resaved")


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", list(VARIANTS))
def test_statuses_equal_the_engine(files: Files, plan: Plan, kind: str, name: str) -> None:
    snap = read_workbook(_read(files, kind, name))
    want = expected(plan, name)
    assert sorted((c.date, c.goal, c.value) for c in snap.check_ins) == sorted(
        (c.date, c.goal, c.value) for c in want.check_ins
    )
    assert snap.done == want.done
    assert snap.reviews == want.reviews
    for as_of in AS_OFS:
        assert wbk.engine_statuses(snap, as_of) == wbk.engine_statuses(want, as_of), as_of


@pytest.mark.parametrize("name", TO_ODS)
def test_ods_reads_back_the_same(files: Files, plan: Plan, name: str) -> None:
    snap = read_workbook(files.ods[name])
    assert snap.plan.id == plan.id
    for as_of in AS_OFS:
        assert wbk.engine_statuses(snap, as_of) == wbk.engine_statuses(expected(plan, name), as_of)
    assert snap.as_of == (TYPED_AS_OF if name == "typed_as_of" else None)


@pytest.mark.parametrize("kind", KINDS)
def test_as_of_typed_or_formula_survives_a_resave(files: Files, kind: str) -> None:
    assert read_workbook(_read(files, kind, "typed_as_of")).as_of == TYPED_AS_OF
    assert read_workbook(_read(files, kind, "filled")).as_of is None  # =TODAY()


def test_libreoffice_makes_the_record_plain_hidden_and_it_is_still_read(
    files: Files, plan: Plan
) -> None:
    details = read_details(files.recalculated["filled"], with_record=True)
    assert details.source.visibility[layout.META] == "hidden"
    assert details.identity.found_in == layout.META
    assert len(details.identity.record) == (
        len(plan.goals)
        + len(plan.milestones)
        + len(plan.actions)
        + len(plan.owners)
        + len(plan.anti_goals)
    )


@pytest.mark.parametrize("kind", KINDS)
def test_check_names_the_deleted_row_and_the_overwritten_formula(files: Files, kind: str) -> None:
    problems = check_workbook(_read(files, kind, "broken"), wbk.AS_OF)
    errors = [(p.code, p.sheet, p.cell) for p in problems if p.severity == "error"]
    assert errors == [
        ("formula-overwritten", "Milestones", "I5"),
        ("row-deleted", "Actions", "A18"),
    ]


@pytest.mark.parametrize("kind", KINDS)
def test_a_resaved_filled_workbook_checks_clean(files: Files, kind: str) -> None:
    problems = check_workbook(_read(files, kind, "filled"), wbk.AS_OF)
    # Only the plan's own state: A3's Done says "No", which is not a done mark (check
    # names every such cell, the brief says), and X2 and X3 have not been reviewed in time.
    assert [(p.code, p.cell) for p in problems] == [
        ("not-a-done-mark", "G4"),
        ("review-overdue", "L3"),
        ("review-overdue", "L4"),
    ]


@pytest.mark.parametrize("kind", KINDS)
def test_text_values_survive_as_warnings(files: Files, kind: str) -> None:
    snap = read_workbook(_read(files, kind, "as_text"))
    found = {p.code for p in snap.problems}
    assert found == {"date-as-text", "number-as-text"}
    assert len(snap.problems) == 2 * len(AS_TEXT)


@pytest.mark.parametrize("kind", KINDS)
def test_without_the_record(files: Files, plan: Plan, kind: str) -> None:
    snap = read_workbook(_read(files, kind, "no_record"))
    assert [p.code for p in snap.problems] == ["no-record"]
    assert snap.plan.id == plan.id


def test_check_on_ods_says_what_it_cannot_see(files: Files) -> None:
    problems = check_workbook(files.ods["filled"], wbk.AS_OF)
    found = [p.code for p in problems if p.code != "review-overdue"]
    assert found == ["check-limited", "not-a-done-mark"]  # A3's "No" is named too
