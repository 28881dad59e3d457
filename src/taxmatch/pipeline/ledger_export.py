"""An export of the disclosure log for overseers: what `taxmatch audit` checks with no store at all.

The folder holds every entry as it stands in the store (entries.jsonl, in
sequence order, with its hash and the values it disclosed), every checkpoint
the store kept (checkpoints.jsonl), and the log's public verifier key. An
overseer audits it with the key the disclosing agency published (not the one
in the folder) and the checkpoints it collected itself; the operator who made
the export is not trusted by the check.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from taxmatch import audit
from taxmatch.db import checkpoints, ledger
from taxmatch.errors import InputError, Location
from taxmatch.pipeline import transparency
from taxmatch.pipeline.atomic import text, write_atomically
from taxmatch.pipeline.context import Context

PAGE = 10_000  # entries read from the store at a time: memory follows the page, not the ledger


@dataclass(frozen=True)
class Exported:
    entries: int
    checkpoints: int


def export(ctx: Context, folder: Path) -> Exported:
    """Write the log's entries, checkpoints and public key to `folder` (all three or none)."""
    if folder.exists() and any(folder.iterdir()):
        raise InputError(
            "the folder is not empty", where=Location(str(folder)), fix="Export into a new or empty folder."
        )
    folder.mkdir(parents=True, exist_ok=True)
    counted = {"entries": 0}

    def entries(path: Path) -> None:
        with path.open("w", encoding="utf-8") as out:
            after = 0
            while page := ledger.entries(ctx.engine, after, PAGE):
                out.writelines(json.dumps(e, sort_keys=True) + "\n" for e in page)
                after = int(str(page[-1]["seq"]))
                counted["entries"] += len(page)

    held = "".join(
        json.dumps({"size": c["size"], "note": c["note"]}, sort_keys=True) + "\n"
        for c in checkpoints.every(ctx.engine)
    )
    key = transparency.signer(ctx.layout).verifier_key
    write_atomically(
        {
            folder / audit.ENTRIES_FILE: entries,
            folder / audit.CHECKPOINTS_FILE: text(held),
            folder / audit.KEY_FILE: text(key + "\n"),
        }
    )
    return Exported(counted["entries"], held.count("\n"))
