"""`taxmatch ledger`: the accounting ledger of disclosures, and the transparency log over it.

Overseers' scripts call these; their output and exit codes are a contract
(docs/overseers.md): exit 0 when everything verifies, 4 when the ledger does
not, naming the first entry or checkpoint that fails.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from taxmatch import audit as overseer
from taxmatch import receipts
from taxmatch.cli.common import StoreOpt, context, out
from taxmatch.errors import InputError, Location
from taxmatch.pipeline import ledger_export, transparency

app = typer.Typer(help="The accounting ledger of disclosures.", no_args_is_help=True)


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(
            f"cannot read the checkpoint: {exc}", where=Location(str(path)), fix="Give a checkpoint file."
        ) from exc


CheckpointOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--checkpoint", help="A signed checkpoint kept earlier (repeatable): the ledger must still extend it."
    ),
]


def _kept(checkpoints: list[Path] | None) -> list[tuple[str, str]]:
    """Each --checkpoint given: where it came from, and its signed note."""
    return [(str(path), _read(path)) for path in checkpoints or []]


def _verified(found: overseer.Verified) -> None:
    out.print(
        f"ledger verifies: {found.entries:,} entries; tree size {found.entries:,}, "
        f"root {found.root.hex()}; extends {found.checkpoints:,} checkpoint(s)",
        highlight=False,
    )


@app.command("verify")
def verify(
    store: StoreOpt = None,
    checkpoint: CheckpointOpt = None,
    key: Annotated[
        str | None,
        typer.Option("--key", help="The published verifier key (default: the store's own)."),
    ] = None,
) -> None:
    """Re-check every entry's hash chain and the Merkle tree, and that the log extends each checkpoint."""
    _verified(transparency.verify(context(store, existing=True), _kept(checkpoint), key))


@app.command("export")
def export(
    folder: Annotated[Path, typer.Argument(help="A new or empty folder to write the export to.")],
    store: StoreOpt = None,
) -> None:
    """Write every entry, every checkpoint and the public key, for `taxmatch audit` to check elsewhere."""
    done = ledger_export.export(context(store, existing=True), folder)
    out.print(f"exported {done.entries:,} entries and {done.checkpoints:,} checkpoint(s) to {folder}")


def audit(
    folder: Annotated[Path, typer.Argument(help="A folder written by `taxmatch ledger export`.")],
    checkpoint: CheckpointOpt = None,
    key: Annotated[
        str | None,
        typer.Option("--key", help="The published verifier key (default: the one the export carries)."),
    ] = None,
) -> None:
    """Audit an export of the ledger with no database, no store and no secret (the overseer's check)."""
    given = _kept(checkpoint)
    if key is None:
        out.print("checking with the export's own key: give the published one with --key", highlight=False)
    _verified(overseer.check_export(folder, given, key))


@app.command("checkpoint")
def checkpoint(
    store: StoreOpt = None,
    out_file: Annotated[
        Path | None, typer.Option("--out", help="Write the signed checkpoint here (default: print it).")
    ] = None,
) -> None:
    """Sign the tree head of the ledger as it is now (a C2SP checkpoint), and keep it in the store."""
    note = transparency.make(context(store, existing=True))
    if out_file is None:
        sys.stdout.write(note)
        return
    out_file.write_text(note, encoding="utf-8")
    out.print(f"wrote {out_file}")


@app.command("key")
def key(store: StoreOpt = None) -> None:
    """Print the public verifier key to publish (NAME+HASH+KEY), making the key if the store has none."""
    sys.stdout.write(transparency.signer(context(store, existing=True).layout).verifier_key + "\n")


@app.command("prove")
def prove(
    disclosure_id: Annotated[str, typer.Argument(help="A disclosure id (TXM-…).")],
    store: StoreOpt = None,
) -> None:
    """Print, as JSON, the inclusion proof of one disclosure against the latest checkpoint."""
    proof = transparency.prove(context(store, existing=True), disclosure_id)
    sys.stdout.write(json.dumps(proof, indent=2) + "\n")


@app.command("check-receipts")
def check_receipts(
    folder: Annotated[
        Path, typer.Argument(help="A released batch's folder: checkpoint.txt and receipts.jsonl.")
    ],
    key: Annotated[str, typer.Option("--key", help="The disclosing agency's published verifier key.")],
) -> None:
    """Check a batch's receipts with nothing but its files and the published key (no store needed)."""
    found = receipts.check(folder, key)
    out.print(
        f"{found.receipts:,} receipt(s) prove their disclosures are in the log of "
        f"{found.tree_size:,} entries (root {found.root.hex()})",
        highlight=False,
        soft_wrap=True,
    )
