"""`taxmatch protect`: the disclosure office's protected list (IRC 6103(i)(6))."""

from __future__ import annotations

import datetime as dt
import json
import sys
from typing import Annotated

import typer
from rich.table import Table

from taxmatch.cli.common import StoreOpt, context, out
from taxmatch.db import protected
from taxmatch.db.protected import Category

app = typer.Typer(
    help="Taxpayers about whom nothing may be disclosed (6103(i)(6)): add, remove, list.",
    no_args_is_help=True,
)
By = Annotated[str, typer.Option("--by", help="Who makes the change (recorded with it).")]
LISTED = ("tin", "category", "reference", "added_by", "added_at", "expires_on")


@app.command("add")
def add(
    tin: Annotated[str, typer.Argument(help="The taxpayer's SSN or ITIN.")],
    category: Annotated[Category, typer.Option("--category", help="The ground of 6103(i)(6).")],
    reference: Annotated[str, typer.Option("--reference", help="The case or file that requires it.")],
    by: By,
    expires: Annotated[
        dt.datetime | None, typer.Option("--expires", formats=["%Y-%m-%d"], help="Last day it protects.")
    ] = None,
    store: StoreOpt = None,
) -> None:
    """Protect a taxpayer: matches on this TIN are withheld from then on, and at every later release."""
    ctx = context(store)
    protected.add(ctx.engine, tin, category, reference, by, ctx.now(), expires.date() if expires else None)
    out.print("protected (the change is recorded)")


@app.command("remove")
def remove(
    tin: Annotated[str, typer.Argument(help="The taxpayer's SSN or ITIN.")],
    by: By,
    why: Annotated[str, typer.Option("--why", help="Why the protection is lifted (recorded).")],
    store: StoreOpt = None,
) -> None:
    """Lift a protection, with the reason on record."""
    ctx = context(store)
    protected.remove(ctx.engine, tin, by, why, ctx.now())
    out.print("protection lifted (the change is recorded)")


@app.command("list")
def listing(
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON object per line, every field whole.")
    ] = False,
    changes: Annotated[bool, typer.Option("--changes", help="Every change ever made, instead.")] = False,
    store: StoreOpt = None,
) -> None:
    """The protected TINs (or, with --changes, every change: who, when, what, why)."""
    engine = context(store).engine
    rows = protected.changes(engine) if changes else protected.listing(engine)
    if as_json:
        sys.stdout.writelines(json.dumps(r, default=str) + "\n" for r in rows)
        return
    columns = list(rows[0]) if rows else list(LISTED)
    table = Table()
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*(str(row[c] if row[c] is not None else "") for c in columns))
    out.print(table)
