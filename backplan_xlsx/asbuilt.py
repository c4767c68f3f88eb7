"""What every input cell held when a file was built or split: an edit told from a carried value.

``merge`` meets the same cell in several copies. A Done mark or a note that
a rewrite (replan, split, ``build --keep``) carried into a newer version is
not anybody's edit: left as it was, it must never beat what a person typed
into another copy, whatever the versions. So the writer records in
``_backplan`` (key ``input_cells``, declared in ``layout_meta``) a short
fingerprint of every non-blank input cell as written: a digest of the row
id, the column header and the value's canonical text, so a re-save that
rewrites numbers or dates is not an edit, and no value is kept in the hidden
sheet. A cell whose value now gives a recorded fingerprint is unedited
(:func:`is_edit`).

The fingerprints share one cell: 8 characters each (48 bits), so up to
4,000 non-blank input cells as built. A plan holding more as built records
none (as a file built before they existed): every value then counts as an
edit, the rule before, and two different values are a reported conflict.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from . import layout
from .fingerprint import canonical
from .model import Snapshot

#: Marks a recorded value, so an empty record (nothing typed as built) is told
#: apart from a file that records nothing.
_PREFIX = "v1:"
_CHARS = 8
#: What one cell holds (Excel's limit), less the prefix.
_MAX_PRINTS = (32_767 - len(_PREFIX)) // _CHARS


def cell_print(item: str, column: str, value: object) -> str:
    """The fingerprint of one input cell: its row id, column header and value (8 characters)."""
    return _print(item, column, _text(value))


def _text(value: object) -> str:
    return value.strip() if type(value) is str else canonical(value).strip()


def _print(item: str, column: str, text: str) -> str:
    import base64
    import hashlib  # here: status only decodes the record (OpenSSL's import is ~2 ms)

    key = f"{item.casefold()}\x1f{column.casefold()}\x1f{text}"
    digest = hashlib.sha256(key.encode("utf-8")).digest()[:6]
    return base64.urlsafe_b64encode(digest).decode("ascii")


def _cells(snap: Snapshot) -> Iterator[tuple[str, str, object]]:
    """(row id, column header, value) of every input cell of a row with an id."""
    for _spec, col in layout.row_inputs():
        values: Mapping[str, object] = getattr(snap, col.field)
        for item, value in values.items():
            yield item, col.header, value
    for user in snap.user_columns:
        if user.sheet != layout.CHECK_INS:
            for item, value in user.values:
                yield item, user.header, value


def encode_cells(snap: Snapshot) -> str:
    """The ``input_cells`` value recording the input cells ``snap`` writes ("" past the limit)."""
    texts = ((i, c, _text(v)) for i, c, v in _cells(snap))
    prints = sorted({_print(i, c, t) for i, c, t in texts if t})
    if len(prints) > _MAX_PRINTS:
        return ""
    return _PREFIX + "".join(prints)


def decode_cells(text: str) -> frozenset[str] | None:
    """The recorded fingerprints; None for a file that records none."""
    text = text.strip()
    if not text.startswith(_PREFIX):
        return None
    body = text[len(_PREFIX) :]
    return frozenset(body[i : i + _CHARS] for i in range(0, len(body) - _CHARS + 1, _CHARS))


def is_edit(snap: Snapshot, item: str, column: str, value: object) -> bool:
    """Whether a copy's value in a cell was typed since the copy was built or split.

    Unknown (a file that records no fingerprints) counts as an edit: a value
    of unknown origin is kept, never silently beaten.
    """
    if snap.built_cells is None:
        return True
    return cell_print(item, column, value) not in snap.built_cells
