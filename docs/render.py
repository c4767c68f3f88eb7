"""Render the sales template's Start sheet and Dashboard to docs/start.png and docs/dashboard.png.

Builds the workbook from templates/sales.yaml with a few months of sample
check-ins (so the Dashboard has something to show), as of a fixed date,
converts it to PDF with LibreOffice (recalculating on load) and rasterises
the first two pages (Start, then Dashboard; each is fit to one page) with
pdftoppm. Run from anywhere:

    .venv/bin/python docs/render.py [--dpi 80] [--keep DIR]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from soffice import recalculate  # noqa: E402

from backplan_xlsx.model import CheckIn, Snapshot  # noqa: E402
from backplan_xlsx.spec import load_spec  # noqa: E402
from backplan_xlsx.writer import write_workbook  # noqa: E402

AS_OF = date(2027, 6, 15)


def sample_snapshot() -> Snapshot:
    """The sales plan five and a half months in: some owners ahead, some behind."""
    plan = load_spec(ROOT / "templates" / "sales.yaml")
    rows: list[tuple[date, str, str, float]] = []
    arr = {
        "Ravi Patel": (20000, 30000, 40000, 60000, 80000),
        "Mei Chen": (0, 40000, 40000, 40000, 80000),
        "Tomás Herrera": (0, 0, 40000, 0, 40000),
        "Aisha Okafor": (0, 20000, 0, 40000, 40000),
        "Dana Whitfield": (0, 0, 20000, 0, 40000),
    }
    for who, months in arr.items():
        for m, value in enumerate(months, start=1):
            if value:
                rows.append((date(2027, m, 28), "G1", who, value))
    for who, value in (("Ravi Patel", 1200000), ("Mei Chen", 1100000), ("Aisha Okafor", 1900000)):
        rows.append((date(2027, 3, 31), "G2", who, value))
        rows.append((date(2027, 5, 31), "G2", who, value * 0.6))
    rows += [
        (date(2027, 3, 31), "G3", "Dana Whitfield", 0.23),
        (date(2027, 5, 31), "G3", "Dana Whitfield", 0.245),
        (date(2027, 3, 31), "G4", "Mei Chen", 90.0),
        (date(2027, 5, 31), "G4", "Mei Chen", 84.0),
        (date(2027, 5, 31), "X1", "Aisha Okafor", 0.12),
        (date(2027, 5, 31), "X2", "Dana Whitfield", 0.14),
        (date(2027, 5, 31), "X3", "Mei Chen", 0.93),
    ]
    rows.sort(key=lambda r: r[0])
    check_ins = tuple(
        CheckIn(d, g, who, float(v), row=i) for i, (d, g, who, v) in enumerate(rows, start=2)
    )
    done = {a.id: "Yes" for a in plan.actions if a.due < date(2027, 5, 1)}
    reviews = {"X1": date(2027, 6, 1), "X2": date(2027, 4, 20), "X3": date(2027, 5, 20)}
    return Snapshot(plan, check_ins, done=done, reviews=reviews, as_of=AS_OF)


def render(out: Path, dpi: int, keep: Path | None) -> list[Path]:
    """Write start.png and dashboard.png into ``out``; return their paths."""
    with tempfile.TemporaryDirectory(prefix="backplan-render-") as tmp:
        work = Path(tmp)
        (work / "in").mkdir()
        xlsx = work / "in" / "sales.xlsx"
        write_workbook(sample_snapshot(), xlsx, AS_OF)
        (pdf,) = recalculate([xlsx], work / "pdf", convert_to="pdf")
        made = []
        for page, name in ((1, "start"), (2, "dashboard")):
            prefix = work / name
            subprocess.run(
                [
                    "pdftoppm",
                    "-png",
                    "-r",
                    str(dpi),
                    "-f",
                    str(page),
                    "-l",
                    str(page),
                    "-singlefile",
                    str(pdf),
                    str(prefix),
                ],
                check=True,
            )
            dest = out / f"{name}.png"
            shutil.copyfile(prefix.with_suffix(".png"), dest)
            made.append(dest)
        if keep is not None:
            keep.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(xlsx, keep / xlsx.name)
            shutil.copyfile(pdf, keep / pdf.name)
    return made


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dpi", type=int, default=80)
    parser.add_argument("--out", type=Path, default=ROOT / "docs")
    parser.add_argument("--keep", type=Path, help="also keep the .xlsx and .pdf here")
    args = parser.parse_args()
    for path in render(args.out, args.dpi, args.keep):
        print(f"{path} ({path.stat().st_size // 1024} KB)")


if __name__ == "__main__":
    main()
