"""Files written whole or not at all, and the interchange CSV that people open in spreadsheets.

Every file taxmatch hands over is written to a temporary name beside its
place and renamed only once it (and every file that goes with it) is
complete, so a reader never sees half of one. A CSV cell that begins like a
formula is escaped (spec/interchange.md); escaping belongs to writing alone,
and nothing ever reads those files back.
"""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import IO

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def escape(cell: object) -> str:
    """A cell a spreadsheet will show as text, never evaluate (spec/interchange.md)."""
    text = "" if cell is None else str(cell)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_writer(columns: Sequence[str], rows: Iterable[Mapping[str, object]]) -> Callable[[Path], None]:
    """A writer of one interchange CSV (RFC 4180, CRLF, formula cells escaped), for write_atomically."""

    def write(path: Path) -> None:
        with path.open("w", newline="", encoding="utf-8") as out:
            write_csv(out, columns, rows)

    return write


def write_csv(out: IO[str], columns: Sequence[str], rows: Iterable[Mapping[str, object]]) -> None:
    """An interchange CSV to an open text stream: RFC 4180, CRLF, formula cells escaped."""
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    writer.writerows([escape(row.get(c)) for c in columns] for row in rows)


def staging_name(path: Path) -> Path:
    """A temporary name beside `path`, after clearing what a writer killed mid-write left there."""
    path.parent.mkdir(parents=True, exist_ok=True)
    for orphan in path.parent.glob(f".{path.name}.*.tmp"):
        orphan.unlink(missing_ok=True)
    handle, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(handle)
    return Path(temp_name)


def text(content: str) -> Callable[[Path], None]:
    """A writer of this text (UTF-8), for write_atomically."""

    def write(path: Path) -> None:
        path.write_text(content, encoding="utf-8")

    return write


def write_atomically(files: Mapping[Path, Callable[[Path], None]]) -> None:
    """Write every file to a temporary name first and rename them only when all are written."""
    staged: list[tuple[Path, Path]] = []
    try:
        for path, write in files.items():
            staged.append((staging_name(path), path))
            write(staged[-1][0])
    except BaseException:
        for temp, _ in staged:
            temp.unlink(missing_ok=True)
        raise
    for temp, path in staged:
        temp.replace(path)
