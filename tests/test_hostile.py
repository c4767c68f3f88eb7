"""Every nasty file through status, check and build: exit 2, named, fast, small.

Each command runs in its own process so its time and peak memory (wait4's
rusage, which covers the isolated reader it forks) belong to it alone.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import TEMPLATES
from tests.corpus import CORPUS

LIMIT_S = 10.0
LIMIT_MB = 500


#: A small launcher: the command's peak RSS must not include pytest's own size,
#: which a process forked from pytest carries over its exec. The launcher is a
#: small process; RUSAGE_CHILDREN covers the command and the reader it forks.
LAUNCHER = """
import resource, subprocess, sys
code = subprocess.call(sys.argv[2:])
with open(sys.argv[1], "w") as fh:
    fh.write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
sys.exit(code)
"""


def _run(args: list[str], cwd: Path) -> tuple[int, str, float, float]:
    """Run one command; its exit code, output, wall time and peak RSS (MB)."""
    peak_file = cwd / ".peak"
    start = time.monotonic()
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            LAUNCHER,
            str(peak_file),
            sys.executable,
            "-m",
            "backplan_xlsx",
            *args,
        ],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    elapsed = time.monotonic() - start
    peak_mb = int(peak_file.read_text()) / 1024
    return proc.returncode, proc.stdout + proc.stderr, elapsed, peak_mb


@pytest.mark.parametrize(("make", "word"), CORPUS, ids=[m.__name__ for m, _ in CORPUS])
def test_status_check_and_build_refuse_each_nasty_file(
    tmp_path: Path, make: Callable[[Path], Path], word: str
) -> None:
    path = make(tmp_path)
    spec = tmp_path / "plan.yaml"
    shutil.copyfile(TEMPLATES / "sales.yaml", spec)
    before = path.read_bytes() if path.is_file() else None
    for args in (
        ["status", path.name],
        ["check", path.name],
        ["build", "plan.yaml", "-o", path.name],
    ):
        code, output, elapsed, peak = _run(args, tmp_path)
        assert code == 2, (args, output)
        assert path.name in output, (args, output)
        assert "Traceback" not in output, output
        assert elapsed < LIMIT_S, (args, elapsed)
        assert peak < LIMIT_MB, (args, peak)
    if before is not None:
        assert path.read_bytes() == before  # build never replaced it
