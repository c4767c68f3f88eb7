"""The golden reference workbook: what `backplan build` writes, part by part.

Like XlsxWriter's own tests against files made by Excel, the built workbook
is compared with a reference file under ``tests/golden/`` one zip part at a
time, each XML part normalised (canonical XML, one element per line) and the
volatile parts left out, so an unintended change to the file is a readable
failing diff. An intended change (a new column, a changed formula) is a new
reference: regenerate it with

    .venv/bin/python -m tests.golden

and commit ``tests/golden/sales.xlsx`` with the change that caused it.
"""

from __future__ import annotations

import re
import shutil
import sys
import tempfile
import zipfile
from datetime import date
from pathlib import Path
from xml.etree.ElementTree import canonicalize

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).resolve().parent / "golden" / "sales.xlsx"
SPEC = ROOT / "templates" / "sales.yaml"
AS_OF = date(2027, 5, 10)
REGENERATE = ".venv/bin/python -m tests.golden"
#: Parts that name the generator's version or the time: not the workbook's content.
VOLATILE = ("docProps/app.xml",)


def build_reference(path: Path) -> Path:
    """Build the sales template as of :data:`AS_OF` to ``path``."""
    from backplan_xlsx.spec import load_spec
    from backplan_xlsx.writer import build_workbook

    return build_workbook(load_spec(SPEC), path, AS_OF, force=True)


def parts(path: Path) -> dict[str, str]:
    """Every part of the workbook but the volatile ones, XML normalised to text lines."""
    out: dict[str, str] = {}
    with zipfile.ZipFile(path) as zf:
        for name in sorted(zf.namelist()):
            if name in VOLATILE:
                continue
            data = zf.read(name)
            if name.endswith((".xml", ".rels", ".vml")):
                text = canonicalize(data.decode("utf-8"), strip_text=True)
                out[name] = re.sub(r">\s*<", ">\n<", text)
            else:
                out[name] = data.hex()
    return out


def first_difference(want: dict[str, str], got: dict[str, str]) -> str:
    """A unified diff of the first part that differs ("" when none does)."""
    import difflib

    if sorted(got) != sorted(want):
        gone, new = sorted(set(want) - set(got)), sorted(set(got) - set(want))
        return f"the workbook's parts changed: missing {gone}, new {new}"
    for name in want:
        if got[name] != want[name]:
            diff = difflib.unified_diff(
                want[name].splitlines(), got[name].splitlines(), "golden/" + name, name, n=2
            )
            return f"{name} differs from the golden reference:\n" + "\n".join(list(diff)[:60])
    return ""


def regenerate() -> Path:
    """Write a fresh reference file (run after an intended change to the workbook)."""
    GOLDEN.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        built = build_reference(Path(tmp) / "sales.xlsx")
        shutil.copyfile(built, GOLDEN)
    return GOLDEN


if __name__ == "__main__":
    print(f"Wrote {regenerate().relative_to(ROOT)}", file=sys.stderr)
