"""`taxmatch store`: make a store (its database and its log key) before anything is loaded into it."""

from __future__ import annotations

import sys

import typer

from taxmatch.cli.common import StoreOpt, context, out
from taxmatch.pipeline import transparency

app = typer.Typer(help="The store: its database, reference index and log key.", no_args_is_help=True)


@app.command("init")
def init(store: StoreOpt = None) -> None:
    """Make a store (or check an existing one): migrate its database, make the log's key; print the key."""
    ctx = context(store)
    key = transparency.signer(ctx.layout).verifier_key
    out.print(f"store ready at {ctx.layout.root}", highlight=False, soft_wrap=True)
    out.print("the disclosure log's verifier key, to publish:", highlight=False)
    sys.stdout.write(key + "\n")  # whole, on one line, to copy
