"""Run LibreOffice headless to recalculate workbooks, many files in one call.

LibreOffice's default profile never recalculates an .xlsx on load (it shows
the stored values), so a conversion with it proves nothing. Each call here
uses a throwaway profile whose only setting turns recalculation on load to
"always" for OOXML and ODF files (COMPAT.md, measured). Start-up dominates
the time (1-2 s), so convert every file of a test module in one call.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

RECALC_PROFILE = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" \
xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">\
<prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">\
<prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""
XLSX_FILTER = "xlsx:Calc MS Excel 2007 XML"
TIMEOUT_S = 300


def soffice_path() -> str | None:
    """The LibreOffice binary on PATH, or None."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def recalculate(
    paths: list[Path], outdir: Path, *, convert_to: str = XLSX_FILTER, binary: str | None = None
) -> list[Path]:
    """Open each file in LibreOffice, recalculate every formula, save it into ``outdir``.

    One soffice process converts all files. ``outdir`` must not be the folder
    of any input (LibreOffice would overwrite it). Returns the output paths in
    the order of ``paths`` (same file names, new extension for other formats).

    Raises:
        FileNotFoundError: soffice is not installed.
        RuntimeError: soffice failed or did not write every output.
    """
    exe = binary or soffice_path()
    if exe is None:
        raise FileNotFoundError("soffice (LibreOffice) is not installed")
    if not paths:
        return []
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    for p in paths:
        if Path(p).resolve().parent == outdir.resolve():
            raise ValueError(f"{p}: outdir must differ from the input's folder")
    ext = convert_to.split(":", 1)[0]
    expected = [outdir / f"{Path(p).stem}.{ext}" for p in paths]
    if len({e.name for e in expected}) != len(expected):
        raise ValueError("two inputs have the same name; they would overwrite each other")
    with tempfile.TemporaryDirectory(prefix="backplan-lo-") as profile:
        user = Path(profile) / "user"
        user.mkdir()
        (user / "registrymodifications.xcu").write_text(RECALC_PROFILE, encoding="utf-8")
        cmd = [
            exe,
            f"-env:UserInstallation={Path(profile).as_uri()}",
            "--headless",
            "--norestore",
            "--nolockcheck",
            "--convert-to",
            convert_to,
            "--outdir",
            str(outdir),
            *(str(p) for p in paths),
        ]
        env = dict(os.environ, SAL_USE_VCLPLUGIN="svp")
        done = subprocess.run(
            cmd, capture_output=True, text=True, timeout=TIMEOUT_S, env=env, check=False
        )
    missing = [str(e) for e in expected if not e.exists()]
    if done.returncode != 0 or missing:
        raise RuntimeError(
            f"soffice exit {done.returncode}; missing {missing}\n"
            f"stdout: {done.stdout}\nstderr: {done.stderr}"
        )
    return expected
