"""The bare libraries doing backplan's I/O, as stand-alone programs to time as processes.

* :func:`xlsxwriter_module` turns one recorded build (every top-level
  XlsxWriter call with its arguments, see ``bench_build.record``) into a
  plain Python module of those calls: what a person writing that workbook
  by hand with XlsxWriter would run. It is imported (so its bytecode is
  cached, as an installed package's is), not run as a script.
* :func:`calamine_code` is python-calamine opening a workbook and reading
  the sheets ``status`` reads into Python lists.
* :func:`calamine_pool_code` reads every sheet of many files in a pool of
  worker processes, as a bare monthly import would.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

STATUS_SHEETS = (
    "Start",
    "Goals",
    "Milestones",
    "Actions",
    "Owners",
    "Anti-goals",
    "Check-ins",
    "_backplan",
)


def _literal(value: Any, names: dict[int, str]) -> str:
    if id(value) in names:
        return names[id(value)]
    if isinstance(value, dict):
        inner = ", ".join(f"{_literal(k, names)}: {_literal(v, names)}" for k, v in value.items())
        return "{" + inner + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_literal(v, names) for v in value) + "]"
    if isinstance(value, tuple):
        return "(" + "".join(_literal(v, names) + ", " for v in value) + ")"
    if isinstance(value, datetime | date):
        return repr(value)  # datetime.date(2027, 1, 1): the module is imported
    if isinstance(value, float) and value != value:
        return "float('nan')"
    text = repr(value)
    if "<" in text and " object at " in text:
        raise TypeError(f"cannot write {text} as code")
    return text


def xlsxwriter_module(calls: list[Any], book: Any, out: Path) -> str:
    """Python source writing ``out`` with exactly the recorded XlsxWriter calls."""
    original, args, kwargs = book
    names = {id(original): "wb"}
    lines = ["import datetime", "import xlsxwriter", ""]
    options = _literal(list(args[1:]), names)[1:-1]
    extra = "".join(f", {k}={_literal(v, names)}" for k, v in kwargs.items())
    lines.append(
        f"wb = xlsxwriter.Workbook({str(out)!r}{', ' + options if options else ''}{extra})"
    )
    for n, (target, name, a, kw, result) in enumerate(calls):
        call_args = [_literal(v, names) for v in a]
        call_args += [f"{k}={_literal(v, names)}" for k, v in kw.items()]
        call = f"{names[id(target)]}.{name}({', '.join(call_args)})"
        if result is not None and not isinstance(result, int | float | str | bool):
            names[id(result)] = f"o{n}"
            call = f"o{n} = {call}"
        lines.append(call)
    lines.append("wb.close()")
    return "\n".join(lines) + "\n"


def calamine_code(path: Path, sheets: tuple[str, ...] = STATUS_SHEETS) -> str:
    """python-calamine reading ``sheets`` of ``path`` into lists, as its users would."""
    return (
        "from python_calamine import CalamineWorkbook\n"
        f"book = CalamineWorkbook.from_path({str(path)!r})\n"
        f"rows = [book.get_sheet_by_name(n).to_python(skip_empty_area=False) for n in {sheets!r}]\n"
    )


def calamine_pool_code(folder: Path, jobs: int) -> str:
    """Every sheet of every .xlsx under ``folder``, read on ``jobs`` forked workers."""
    return (
        "import multiprocessing, pathlib\n"
        "from python_calamine import CalamineWorkbook\n"
        "def read(path):\n"
        "    wb = CalamineWorkbook.from_path(path)\n"
        "    return sum(len(wb.get_sheet_by_name(n).to_python()) for n in wb.sheet_names)\n"
        f"files = sorted(str(p) for p in pathlib.Path({str(folder)!r}).rglob('*.xlsx'))\n"
        f"with multiprocessing.get_context('fork').Pool({jobs}) as pool:\n"
        "    pool.map(read, files, chunksize=8)\n"
    )
