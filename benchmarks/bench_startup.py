"""`backplan --help` start-up vs `python -c "import click"`, and spec loading.

Goal (foundation issue): `backplan --help` under 100 ms and within 1.5x of
importing click alone; both are whole processes, start-up included.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import PYTHON, ROOT, median_process_seconds, median_seconds, report  # noqa: E402


def main() -> None:
    backplan = shutil.which("backplan", path=str(Path(PYTHON).parent)) or "backplan"
    ours = median_process_seconds([backplan, "--help"])
    bare = median_process_seconds([PYTHON, "-c", "import click"])
    report("backplan --help (process)", ours, bare, 'python -c "import click"', "<100 ms, <=1.5x")

    import yaml

    from backplan_xlsx.spec import load_spec

    spec = ROOT / "templates" / "sales.yaml"
    text = spec.read_text()
    load_spec(spec)  # pay pydantic's one-off import and schema build outside the timing
    ours = median_seconds(lambda: load_spec(spec), runs=30)
    bare = median_seconds(lambda: yaml.safe_load(text), runs=30)
    report("load + validate + plan sales template", ours, bare, "yaml.safe_load (same file)")


if __name__ == "__main__":
    main()
