"""Instructions, not seconds: ``status`` and ``--help`` counted under valgrind, for A/B on a busy machine.

On a shared 2-core machine a 5 % change hides in the noise of CPU time;
the number of instructions a whole process executes (valgrind's callgrind
``Ir``) barely moves from run to run. Each figure is one fresh process,
start-up included, with its ratio to the bare counterpart. ``status`` runs
in one process (``BACKPLAN_NO_ISOLATION``) so that its count is the
reading worker's and the command's together; the fork itself costs the
kernel, not instructions. Give ``--tree`` to count other checkouts too
(each ``backplan_xlsx`` first on ``PYTHONPATH``), e.g. a clone of ``main``.
Cache misses are not counted: confirm a gain in CPU time (``run.py``).

    .venv/bin/python benchmarks/bench_instructions.py [--tree /tmp/base]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

from bare import calamine_code  # noqa: E402
from run import AS_OF, BACKPLAN, PYTHON  # noqa: E402


def instructions(argv: list[str], env: dict[str, str]) -> int:
    """Instructions one whole process executes (its children's too), under callgrind."""
    subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL)  # bytecode cached first
    with tempfile.TemporaryDirectory(prefix="backplan-ir-") as tmp:
        done = subprocess.run(
            ["valgrind", "--tool=callgrind", "--trace-children=yes"]
            + [f"--callgrind-out-file={tmp}/cg.%p", *argv],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            check=True,
        )
    return sum(int(n) for n in re.findall(r"Collected : (\d+)", done.stderr))


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tree", type=Path, action="append", default=[], help="another checkout")
    args = ap.parse_args(argv)
    if shutil.which("valgrind") is None:
        print("valgrind is not installed (apt-get install valgrind): nothing counted")
        return 0
    from bench_status import workbook

    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    with tempfile.TemporaryDirectory(prefix="backplan-ir-") as tmp:
        path = workbook(Path(tmp) / "checked-in.xlsx", 300)
        bare = instructions([PYTHON, "-c", calamine_code(path)], env)
        floor = instructions([PYTHON, "-c", "import click\n" + calamine_code(path)], env)
        click = instructions([PYTHON, "-c", "import click"], env)
        print("million instructions, one fresh process each (sales template + 300 check-ins)")
        print(f"  {bare / 1e6:7.1f}  bare calamine, same sheets")
        print(f"  {floor / 1e6:7.1f}  import click + the bare read (floor)")
        print(f"  {click / 1e6:7.1f}  python -c 'import click'")
        status = [BACKPLAN, "status", str(path), "--as-of", AS_OF.isoformat(), "-f", "json"]
        for tree in [None, *args.tree]:
            tenv = dict(env, BACKPLAN_NO_ISOLATION="1")
            if tree is not None:
                tenv["PYTHONPATH"] = f"{tree.resolve()}{os.pathsep}{env.get('PYTHONPATH', '')}"
            ours = instructions(status, tenv)
            helped = instructions([BACKPLAN, "--help"], tenv)
            print(f"{tree or 'this checkout'}:")
            print(
                f"  {ours / 1e6:7.1f}  status -f json: {ours / bare:.2f}x bare, {ours / floor:.2f}x floor"
            )
            print(f"  {helped / 1e6:7.1f}  --help: {helped / click:.2f}x import click")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
