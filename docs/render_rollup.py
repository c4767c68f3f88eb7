"""Render the roll-up's Trend sheet and the HTML history to docs/rollup-trend.png, docs/history.png.

Collects six months of the sales template (a copy filled a little more each
month, as of each month's end) into a throwaway SQLite history, then:

- converts June's roll-up to PDF with LibreOffice and rasterises the Trend
  sheet's page with pdftoppm (the page is found by its title);
- renders ``backplan history --format html`` for the goals and, for
  ``--kind owner``, each owner's part, and screenshots both with headless
  Chromium (``apt-get install -y chromium``).

Run from anywhere:

    .venv/bin/python docs/render_rollup.py [--keep DIR]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from soffice import recalculate  # noqa: E402

from backplan_xlsx.collect import collect  # noqa: E402
from backplan_xlsx.history import HistoryStore  # noqa: E402
from backplan_xlsx.model import CheckIn, Snapshot  # noqa: E402
from backplan_xlsx.reports.trend import render_trend  # noqa: E402
from backplan_xlsx.spec import load_spec  # noqa: E402
from backplan_xlsx.writer import write_workbook  # noqa: E402

#: Each month's check-ins: ARR starts fast then stalls in May; pipeline comes early.
#: The sales cycle (G4, a goal that moves down) shortens, then slips back in May.
TYPED: dict[int, list[tuple[str, str, float]]] = {
    1: [("G1", "Ravi Patel", 60000), ("G2", "Aisha Okafor", 900000), ("G4", "Mei Chen", 94)],
    2: [("G1", "Mei Chen", 80000), ("G2", "Ravi Patel", 700000), ("G3", "Dana Whitfield", 0.23)]
    + [("G4", "Mei Chen", 91)],
    3: [("G1", "Tomás Herrera", 80000), ("G2", "Mei Chen", 900000), ("G4", "Mei Chen", 88)],
    4: [("G1", "Aisha Okafor", 40000), ("G1", "Ravi Patel", 40000), ("G3", "Dana Whitfield", 0.25)]
    + [("G4", "Mei Chen", 87)],
    5: [("G2", "Aisha Okafor", 300000), ("G4", "Mei Chen", 90)],
    6: [("G1", "Mei Chen", 120000), ("G2", "Tomás Herrera", 600000), ("G4", "Mei Chen", 86)],
}
WINDOW = "1200,900"


def _month_end(month: int) -> date:
    return date(2027, month + 1, 1) - timedelta(days=1)


def collect_six_months(work: Path) -> tuple[Path, Path]:
    """The June roll-up and the history store."""
    plan = load_spec(ROOT / "templates" / "sales.yaml")
    store = work / "history.sqlite"
    rows: list[CheckIn] = []
    rollup = work / "rollup.xlsx"
    for month in range(1, 7):
        day = _month_end(month)
        rows += [CheckIn(day - timedelta(days=3), g, o, float(v)) for g, o, v in TYPED[month]]
        folder = work / f"2027-{month:02}"
        folder.mkdir()
        snap = Snapshot(plan, tuple(CheckIn(c.date, c.goal, c.owner, c.value, row=i + 2)
                                    for i, c in enumerate(rows)))  # fmt: skip
        write_workbook(snap, folder / "team.xlsx", day)
        collect([folder], rollup, history=store, as_of=day)
    return rollup, store


def _trend_page(pdf: Path) -> int:
    pages = int(
        next(
            line.split()[-1]
            for line in subprocess.run(
                ["pdfinfo", str(pdf)], check=True, capture_output=True, text=True
            ).stdout.splitlines()
            if line.startswith("Pages:")
        )
    )
    for page in range(1, pages + 1):
        text = subprocess.run(
            ["pdftotext", "-f", str(page), "-l", str(page), str(pdf), "-"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        if "Goals by status, month by month" in text:
            return page
    raise SystemExit("no Trend page in the PDF")


def render_trend_sheet(rollup: Path, work: Path, out: Path, dpi: int) -> Path:
    """LibreOffice → PDF → the Trend page as PNG."""
    (pdf,) = recalculate([rollup], work / "pdf", convert_to="pdf")
    page = _trend_page(pdf)
    prefix = work / "trend"
    subprocess.run(
        ["pdftoppm", "-png", "-r", str(dpi), "-f", str(page), "-l", str(page), "-singlefile"]
        + [str(pdf), str(prefix)],
        check=True,
    )
    shutil.copyfile(prefix.with_suffix(".png"), out)
    return out


def screenshot(html: str, work: Path, out: Path) -> Path:
    """Headless Chromium's screenshot of one page."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise SystemExit("chromium is not installed: apt-get install -y chromium")
    page = work / (out.stem + ".html")
    page.write_text(html, encoding="utf-8")
    profile = Path(tempfile.mkdtemp(prefix="backplan-chromium-"))
    try:
        subprocess.run(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]
            + ["--disable-background-networking", "--disable-component-update", "--disable-sync"]
            + ["--hide-scrollbars", f"--user-data-dir={profile}", f"--screenshot={out}"]
            + [f"--window-size={WINDOW}", page.as_uri()],
            check=True,
            capture_output=True,
            timeout=120,
        )
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    return out


def render(work: Path, dpi: int) -> list[Path]:
    """Write the three pictures into docs/."""
    rollup, store = collect_six_months(work)
    docs = ROOT / "docs"
    made = [render_trend_sheet(rollup, work, docs / "rollup-trend.png", dpi)]
    history = HistoryStore(store)
    try:
        goals = history.rows(kind="goal")
        owners = history.rows(kind="owner_part", item=None)
        owners = [r for r in owners if r.goal_id == "G1" and r.target]
    finally:
        history.close()
    made.append(screenshot(render_trend(goals, "html"), work, docs / "history.png"))
    made.append(screenshot(render_trend(owners, "html"), work, docs / "history-owners.png"))
    return made


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dpi", type=int, default=80)
    parser.add_argument("--keep", type=Path, help="keep the roll-up, store and pages here")
    args = parser.parse_args()
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        paths = render(args.keep, args.dpi)
    else:
        with tempfile.TemporaryDirectory(prefix="backplan-rollup-") as work:
            paths = render(Path(work), args.dpi)
    for path in paths:
        print(f"{path} ({path.stat().st_size // 1024} KB)")


if __name__ == "__main__":
    main()
