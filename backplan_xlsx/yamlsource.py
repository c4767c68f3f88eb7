"""YAML in, plain Python values out, with the line of every field kept.

PyYAML's ``safe_load`` loses positions and silently keeps the last of two
duplicate keys. Spec messages must say ``plan.yaml:14: goals[0].deadline``,
so the document is composed into nodes and converted by hand: every value's
path is mapped to its line, duplicate keys are findings, timestamps stay text
(so a bad date is a validation finding, not a constructor crash) and alias
expansion is capped (a "billion laughs" spec is refused, not expanded).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import Problem, SpecError

Path_ = tuple[str | int, ...]

MAX_NODES = 200_000
#: Deeper than any plan spec nests (goals → funnel → stages → a stage is 4).
MAX_DEPTH = 40
MAX_BYTES = 5_000_000


def format_path(path: Path_) -> str:
    """``('goals', 0, 'deadline')`` → ``goals[0].deadline``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


@dataclass
class Source:
    """A parsed YAML document and where each of its values came from."""

    file: str
    data: Any
    lines: dict[Path_, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def line_of(self, path: Path_) -> int | None:
        """The line of ``path``, or of its nearest ancestor that has one."""
        p = tuple(path)
        while p:
            if p in self.lines:
                return self.lines[p]
            p = p[:-1]
        return self.lines.get((), None)

    def problem(self, path: Path_, message: str, code: str, severity: str = "error") -> Problem:
        """A finding at ``path``, with its line."""
        return Problem(
            code=code,
            severity="warning" if severity == "warning" else "error",
            message=message,
            file=self.file,
            line=self.line_of(path),
            field=format_path(path),
        )


def read_yaml(path: Path, *, name: str | None = None) -> Source:
    """Read a YAML file into a :class:`Source`.

    Raises:
        SpecError: the file is missing, not UTF-8, not YAML or not a mapping.
    """
    shown = name or path.name
    try:
        if not path.is_file():
            raise SpecError(f"{shown}: no such file; create one with `backplan new {shown}`")
        raw = path.read_bytes()
    except OSError as exc:
        raise SpecError(f"{shown}: cannot read: {exc.strerror or exc}") from None
    if len(raw) > MAX_BYTES:
        raise SpecError(f"{shown}: {len(raw):,} bytes is too large for a plan spec")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise SpecError(
            f"{shown}:{line}: not UTF-8 text (byte 0x{raw[exc.start]:02x}); save the file as UTF-8"
        ) from None
    return parse_yaml(text, shown)


def parse_yaml(text: str, name: str) -> Source:
    """Parse YAML text; see :func:`read_yaml`."""
    import yaml

    try:
        node = _compose(yaml, text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f":{mark.line + 1}" if mark is not None else ""
        what = exc.problem or exc.context or "not valid YAML"
        hint = ""
        if "\\t" in what or "\t" in what or "tab" in what:
            hint = "; indent with spaces, not tabs"
        raise SpecError(f"{name}{line}: {what}{hint}") from None
    except yaml.YAMLError as exc:
        raise SpecError(f"{name}: not valid YAML: {exc}") from None
    if node is None:
        raise SpecError(f"{name}: the file is empty; start from `backplan new --template sales`")
    src = Source(file=name, data=None)
    if not isinstance(node, yaml.MappingNode):
        raise SpecError(
            f"{name}:{node.start_mark.line + 1}: a plan spec is a mapping of fields "
            "(plan:, start:, goals: ...), not a list or a single value"
        )
    converter = _Converter(src)
    src.data = converter.convert(node, ())
    return src


def _compose(yaml: Any, text: str) -> Any:
    """The YAML node tree, by libyaml when PyYAML has it (about 50x faster).

    A document libyaml refuses is parsed again by PyYAML's own parser, so a
    broken spec gets the same message (and line) whichever is installed.
    """
    fast = getattr(yaml, "CSafeLoader", None)
    if fast is not None:
        try:
            return yaml.compose(text, Loader=fast)
        except yaml.YAMLError:
            pass
    return yaml.compose(text, Loader=yaml.SafeLoader)


class _Converter:
    def __init__(self, src: Source) -> None:
        import yaml

        self.src = src
        self.count = 0
        self.yaml = yaml
        self.constructor = yaml.SafeLoader("")
        #: The mappings and lists being converted, outermost first: an alias to one of
        #: them (``goals: &g [{curve: *g}]``) would nest forever.
        self.open: set[int] = set()

    def convert(self, node: Any, path: Path_) -> Any:
        yaml = self.yaml
        self.count += 1
        if self.count > MAX_NODES:
            raise SpecError(
                f"{self.src.file}: more than {MAX_NODES:,} values (aliases expanding?); "
                "a plan spec is far smaller"
            )
        self.src.lines.setdefault(path, node.start_mark.line + 1)
        if not isinstance(node, yaml.MappingNode | yaml.SequenceNode):
            return self._scalar(node)
        if id(node) in self.open:
            where = f"{self.src.file}:{node.start_mark.line + 1}: {format_path(path)}"
            raise SpecError(
                f"{where}: refers to itself (an alias inside its own anchor, which would nest "
                "forever); write the values out instead"
            )
        if len(path) > MAX_DEPTH:
            raise SpecError(
                f"{self.src.file}:{node.start_mark.line + 1}: values nested more than "
                f"{MAX_DEPTH} levels deep; a plan spec nests a few"
            )
        self.open.add(id(node))
        try:
            return self._container(node, path)
        finally:
            self.open.discard(id(node))

    def _container(self, node: Any, path: Path_) -> Any:
        yaml = self.yaml
        if isinstance(node, yaml.MappingNode):
            out: dict[str, Any] = {}
            for key_node, value_node in node.value:
                key = self._scalar(key_node)
                key_s = str(key)
                if key_s == "<<":
                    self.src.problems.append(
                        self.src.problem(path, "YAML merge keys (<<) are not supported", "yaml")
                    )
                    continue
                if key_s in out:
                    self.src.problems.append(
                        Problem(
                            code="duplicate-key",
                            severity="error",
                            message=f"duplicate key {key_s!r} (first on line "
                            f"{self.src.lines.get((*path, key_s), '?')}); keep one",
                            file=self.src.file,
                            line=key_node.start_mark.line + 1,
                            field=format_path((*path, key_s)),
                        )
                    )
                    continue
                self.src.lines[(*path, key_s)] = key_node.start_mark.line + 1
                out[key_s] = self.convert(value_node, (*path, key_s))
            return out
        return [self.convert(item, (*path, i)) for i, item in enumerate(node.value)]

    def _scalar(self, node: Any) -> Any:
        if not isinstance(node, self.yaml.ScalarNode):
            return "<complex key>"
        if node.tag == "tag:yaml.org,2002:timestamp":
            return node.value
        try:
            return self.constructor.construct_object(node, deep=True)
        except (self.yaml.YAMLError, ValueError):
            return node.value
