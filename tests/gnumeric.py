"""Recalculate workbooks with Gnumeric's ``ssconvert --recalc``: a second engine.

LibreOffice is one engine's reading of the file; a formula that only works
because of one engine's quirk (implicit array evaluation, booleans compared
with numbers) shows up as a disagreement here. ``ssconvert`` converts one
file per process, so files are converted a few at a time, in parallel.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

TIMEOUT_S = 300


def ssconvert_path() -> str | None:
    """Gnumeric's converter on PATH, or None."""
    return shutil.which("ssconvert")


def recalculate_gnumeric(
    paths: list[Path], outdir: Path, *, binary: str | None = None
) -> list[Path]:
    """Open each file in Gnumeric, recalculate every formula, save it as .xlsx into ``outdir``.

    Returns the output paths in the order of ``paths``.

    Raises:
        FileNotFoundError: ssconvert is not installed.
        RuntimeError: a conversion failed or wrote nothing.
    """
    exe = binary or ssconvert_path()
    if exe is None:
        raise FileNotFoundError("ssconvert (Gnumeric) is not installed")
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    outputs = [outdir / f"{Path(p).stem}.xlsx" for p in paths]
    if len({o.name for o in outputs}) != len(outputs):
        raise ValueError("two inputs have the same name; they would overwrite each other")
    home = tempfile.mkdtemp(prefix="backplan-gnumeric-")
    env = dict(os.environ, HOME=home)

    def convert(pair: tuple[Path, Path]) -> None:
        src, dst = pair
        done = subprocess.run(
            [exe, "--recalc", str(src), str(dst)],
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S,
            env=env,
            check=False,
        )
        if done.returncode != 0 or not dst.exists():
            raise RuntimeError(f"ssconvert failed on {src}: {done.stderr.strip()[-2000:]}")

    try:
        with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
            list(pool.map(convert, zip(paths, outputs, strict=True)))
    finally:
        shutil.rmtree(home, ignore_errors=True)
    return outputs
