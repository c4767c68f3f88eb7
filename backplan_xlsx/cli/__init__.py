"""The ``backplan`` command: a thin layer over the library.

Each command parses options, calls one library function and renders the
result. Only :class:`~backplan_xlsx.errors.BackplanError` is caught (here,
once): it becomes a message on stderr and exit code 2. Anything else is a
bug and keeps its traceback. Heavy libraries are imported inside commands,
so ``backplan --help`` stays fast.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from pathlib import Path

_F = TypeVar("_F", bound=Callable[..., Any])
_T = TypeVar("_T")

EXIT_PROBLEMS = 1
EXIT_ERROR = 2


def _help_width(max_width: int) -> int:
    """The width click's help formatter would choose, without importing :mod:`shutil`.

    Click asks ``shutil.get_terminal_size``, and importing shutil (with bz2,
    lzma and fnmatch) was a tenth of ``backplan --help`` beyond Click's own
    import. The rule is the same: ``$COLUMNS``, else the terminal's width,
    else 80; at most ``max_width``, minus 2, at least 50.
    """
    import os

    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 80
    return max(min(columns or 80, max_width) - 2, 50)


class BackplanContext(click.Context):
    """A context whose help formatter measures the terminal itself (see :func:`_help_width`)."""

    def make_formatter(self) -> click.HelpFormatter:
        from click import formatting

        width = self.terminal_width
        if width is None and formatting.FORCED_WIDTH is None:  # CliRunner forces 80
            width = _help_width(self.max_content_width or 80)
        return self.formatter_class(width=width, max_width=self.max_content_width)


class BackplanCommand(click.Command):
    """Every subcommand: help formatted by :class:`BackplanContext`."""

    context_class = BackplanContext


class PathArg(click.Path):
    """A file or folder parameter given to the command as a :class:`pathlib.Path`.

    ``click.Path(path_type=Path)`` needs :mod:`pathlib` when the commands are
    declared, which every ``backplan --help`` would pay for (pathlib with
    urllib.parse and ipaddress: about a tenth of it); here pathlib is
    imported when a command runs.
    """

    def coerce_path_result(self, value: Any) -> Any:
        from pathlib import Path

        return value if isinstance(value, Path) else Path(value)


#: The file and folder parameter types, one instance of each: Click words every
#: instance's name through gettext, which looks for translation files on each call
#: (24 instances were 24 lookups, about half a millisecond of ``backplan --help``).
FILE = PathArg(dir_okay=False)
FOLDER = PathArg(file_okay=False)
EXISTING = PathArg(exists=True)
EXISTING_FILE = PathArg(exists=True, dir_okay=False)


_EXIT_HOOKED: list[bool] = []


def _no_collection_at_exit() -> None:
    """Spare the process a last full garbage collection when it exits (registered once).

    Python's shutdown runs full collections over every object still alive
    (Click's, the reader's, the report's), only to free memory the exit hands
    back anyway: about 9 ms of ``backplan --help`` (``import click`` alone pays
    it too) and 12 ms of a small ``status``, measured. Frozen at exit (an
    ``atexit`` hook, so after the command's last output, and only at the
    process's real end), they are skipped. Objects are still released by
    reference counting, ``atexit`` hooks registered earlier (logging's,
    ``weakref.finalize``) still run after this one, and stdout and stderr are
    flushed as before; only cycles left alive at exit are not collected, which
    Python never promises either.
    """
    if _EXIT_HOOKED:
        return
    import atexit
    import gc

    atexit.register(gc.freeze)
    _EXIT_HOOKED.append(True)


class BackplanGroup(click.Group):
    """Turns our errors into messages and exit code 2, in one place."""

    context_class = BackplanContext
    command_class = BackplanCommand

    def main(self, *args: Any, **kwargs: Any) -> Any:
        _no_collection_at_exit()
        return super().main(*args, **kwargs)

    def invoke(self, ctx: click.Context) -> Any:
        # Imported here, not at the top: ``backplan --help`` never gets this far.
        from ..errors import BackplanError, printable

        try:
            return super().invoke(ctx)
        except BackplanError as exc:
            if ctx.meta.get("backplan.debug"):
                raise
            for line in str(exc).splitlines() or [exc.message]:
                click.echo(f"Error: {printable(line)}", err=True)
            for p in exc.problems:
                if p.severity == "warning":
                    click.echo(f"Warning: {printable(str(p))}", err=True)
            ctx.exit(EXIT_ERROR)
        except click.Abort:
            # A prompt met the end of its input (a pipe, a script) or Ctrl-C: a
            # usage error, said in one line, never Click's bare "Aborted!" (exit 1).
            click.echo(
                f"Error: {ctx.invoked_subcommand or 'backplan'} stopped at a question with no "
                "answer (end of input or Ctrl-C); nothing was written. Answer every question "
                "in a terminal, or give the values as options (e.g. backplan new --template "
                "sales plan.yaml)",
                err=True,
            )
            ctx.exit(EXIT_ERROR)


def _iso_date(_ctx: click.Context, _param: click.Parameter, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date; write it as YYYY-MM-DD") from None


def as_of_option(help_text: str) -> Callable[[_F], _F]:
    """The shared ``--as-of DATE`` option."""
    return click.option("--as-of", "as_of", metavar="DATE", callback=_iso_date, help=help_text)


def _path_option(
    metavar: str, help_text: str, *, required: bool = True, folder: bool = False
) -> Callable[[_F], _F]:
    """The ``-o/--output`` option of commands that write a file (or a folder)."""
    kind = FOLDER if folder else FILE
    return click.option(
        "-o", "--output", metavar=metavar, required=required, type=kind, help=help_text
    )


@click.group(
    cls=BackplanGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(package_name="backplan-xlsx")
@click.option("--debug", is_flag=True, help="Show a traceback for user errors too.")
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    """Plan backward from a sales goal, as a linked Excel workbook.

    Write a plan spec, build the workbook, send it out, and read the copies
    that come back to see who and what is on track.

    \b
    Example:
      backplan new --template sales plan.yaml
      backplan build plan.yaml -o plan.xlsx
      backplan status plan.xlsx
    """
    ctx.meta["backplan.debug"] = debug


#: The report formats (``reports.FORMATS``; repeated here so --help imports nothing).
FORMATS = ("table", "json", "csv", "markdown", "html")


def _format_option() -> Callable[[_F], _F]:
    return click.option(
        "-f",
        "--format",
        "fmt",
        type=click.Choice((*FORMATS, "md")),
        default="table",
        show_default=True,
        help="How to print it (md is markdown).",
        callback=lambda _ctx, _param, value: "markdown" if value == "md" else value,
    )


def _output_option() -> Callable[[_F], _F]:
    return click.option(
        "-o",
        "--output",
        metavar="FILE",
        type=FILE,
        help="Write the report to FILE instead of printing it.",
    )


def _emit(text: str, output: Path | None, *, inputs: tuple[Path, ...] = ()) -> None:
    """Print the report (control characters made visible), or write it to ``output``.

    Writing over one of the command's inputs is refused: a report must never
    replace the workbook it reports on.
    """
    if output is None:
        # A person at a terminal sees control characters made visible; a pipe gets the data.
        from ..errors import printable

        click.echo(printable(text) if sys.stdout.isatty() else text, nl=False)
        return
    _refuse_overwriting_inputs(output, inputs)
    from ..fileio import atomic_write_text

    atomic_write_text(output, text)
    click.echo(f"Wrote {output}.", err=True)


def read_untrusted(fn: Callable[..., _T], path: Path, *args: Any) -> _T:
    """Run a reader on a file in a worker, so a native crash is a message, not a kill."""
    from ..isolate import run_isolated

    return run_isolated(fn, path, *args, file=path.name)


def _read_many(paths: tuple[Path, ...]) -> list[Any]:
    from ..merge import copy_of, ensure_nothing_lost
    from ..reader import read_workbook

    copies = []
    for path in paths:
        snap = read_untrusted(read_workbook, path)
        ensure_nothing_lost(snap)
        copies.append(copy_of(path, snap))
    return copies


def _refuse_overwriting_inputs(output: Path, inputs: tuple[Path, ...]) -> None:
    from ..writer.overwrite import same_file

    for p in inputs:
        if same_file(p, output):
            raise click.UsageError(f"{output} is also an input; write the result to a new file")


def run() -> None:  # pragma: no cover - console entry for `python -m`
    """Entry point for ``python -m backplan_xlsx``."""
    main(prog_name="backplan")


# The commands register themselves on ``main``; each module imports only click
# and light modules at the top, the rest inside its commands.
from . import crm, importing, mailing, planning, reading  # noqa: E402,F401
