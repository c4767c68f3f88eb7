"""Render the HTML status report of the sales template to docs/status.png.

Builds the workbook from templates/sales.yaml with five months of sample
check-ins typed in, reads it back the way ``backplan status`` does (the
reader, then the engine, as of a fixed date), renders ``--format html`` and
screenshots the page with headless Chromium. Run from anywhere:

    .venv/bin/python docs/render_report.py [--keep DIR]

Chromium: ``apt-get install -y chromium``.
"""

from __future__ import annotations

import argparse
import dataclasses
import shutil
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

from backplan_xlsx.engine import evaluate  # noqa: E402
from backplan_xlsx.model import CheckIn, Snapshot  # noqa: E402
from backplan_xlsx.reader import read_workbook  # noqa: E402
from backplan_xlsx.reports import render_status  # noqa: E402
from backplan_xlsx.spec import load_spec  # noqa: E402
from backplan_xlsx.writer import write_workbook  # noqa: E402

AS_OF = date(2027, 6, 15)
WINDOW = "1200,1600"


def sample_snapshot() -> Snapshot:
    """The sales plan five and a half months in: some owners ahead, some behind."""
    plan = load_spec(ROOT / "templates" / "sales.yaml")
    arr = {
        "Ravi Patel": (20000, 30000, 40000, 60000, 80000),
        "Mei Chen": (0, 40000, 40000, 40000, 80000),
        "Tomás Herrera": (0, 0, 40000, 0, 40000),
        "Aisha Okafor": (0, 20000, 0, 40000, 40000),
        "Dana Whitfield": (0, 0, 20000, 0, 40000),
    }
    rows: list[tuple[date, str, str, float]] = [
        (date(2027, m, 28), "G1", who, value)
        for who, months in arr.items()
        for m, value in enumerate(months, start=1)
        if value
    ]
    for who, value in (("Ravi Patel", 1200000), ("Mei Chen", 1100000), ("Aisha Okafor", 1900000)):
        rows.append((date(2027, 3, 31), "G2", who, value))
        rows.append((date(2027, 5, 31), "G2", who, value * 0.6))
    rows += [
        (date(2027, 3, 31), "G3", "Dana Whitfield", 0.23),
        (date(2027, 5, 31), "G3", "Dana Whitfield", 0.245),
        (date(2027, 3, 31), "G4", "Mei Chen", 90.0),
        (date(2027, 5, 31), "G4", "Mei Chen", 84.0),
        (date(2027, 5, 31), "X1", "Aisha Okafor", 0.12),
        (date(2027, 5, 31), "X2", "Dana Whitfield", 0.17),
        (date(2027, 5, 31), "X3", "Mei Chen", 0.93),
    ]
    rows.sort(key=lambda r: r[0])
    check_ins = tuple(CheckIn(d, g, o, v, row=i + 2) for i, (d, g, o, v) in enumerate(rows))
    done = {a.id: "Yes" for a in plan.actions if a.due < date(2027, 4, 1)}
    reviews = {"X1": date(2027, 6, 1), "X2": date(2027, 5, 20)}
    return Snapshot(plan, check_ins, done=done, reviews=reviews)


def render(out: Path, work: Path) -> Path:
    """Build, read back, render the HTML and screenshot it; returns the PNG."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise SystemExit("chromium is not installed: apt-get install -y chromium")
    workbook = work / "plan.xlsx"
    write_workbook(sample_snapshot(), workbook, AS_OF)
    snap = dataclasses.replace(read_workbook(workbook), file=workbook.name)
    page = work / "status.html"
    page.write_text(
        render_status(evaluate(snap, AS_OF), "html", problems=snap.problems), encoding="utf-8"
    )
    profile = Path(tempfile.mkdtemp(prefix="backplan-chromium-"))
    try:
        subprocess.run(
            [
                chromium,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--hide-scrollbars",
                f"--user-data-dir={profile}",
                f"--screenshot={out}",
                f"--window-size={WINDOW}",
                page.as_uri(),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", type=Path, help="keep the workbook and HTML in this folder")
    args = parser.parse_args()
    out = ROOT / "docs" / "status.png"
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        print(render(out, args.keep))
        return
    with tempfile.TemporaryDirectory(prefix="backplan-report-") as work:
        print(render(out, Path(work)))


if __name__ == "__main__":
    sys.exit(main())
