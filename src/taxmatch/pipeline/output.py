"""Write interchange CSVs safely: formula cells escaped, files replaced atomically."""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def escape(cell: object) -> str:
    """A cell a spreadsheet will show as text, never evaluate (spec/interchange.md)."""
    text = "" if cell is None else str(cell)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def write_csv_files(files: Mapping[Path, tuple[Sequence[str], Iterable[Mapping[str, object]]]]) -> None:
    """Write every file to a temporary name first and rename them only when all are written."""
    staged: list[tuple[Path, Path]] = []
    try:
        for path, (columns, rows) in files.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
            staged.append((Path(temp_name), path))
            with os.fdopen(handle, "w", newline="", encoding="utf-8") as out:
                writer = csv.writer(out, lineterminator="\r\n")
                writer.writerow(columns)
                writer.writerows([escape(row.get(c)) for c in columns] for row in rows)
    except BaseException:
        for temp, _ in staged:
            temp.unlink(missing_ok=True)
        raise
    for temp, path in staged:
        temp.replace(path)
