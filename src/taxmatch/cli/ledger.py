"""`taxmatch ledger`: the accounting ledger of disclosures."""

from __future__ import annotations

import typer

from taxmatch.cli.common import StoreOpt, context, out
from taxmatch.db import ledger

app = typer.Typer(help="The accounting ledger of disclosures.", no_args_is_help=True)


@app.command("verify")
def verify(store: StoreOpt = None) -> None:
    """Re-check the whole hash chain; name the first entry that does not verify."""
    count = ledger.verify(context(store).engine)
    out.print(f"ledger verifies: {count:,} entries")
