"""`taxmatch report`: the oversight report of a period, one HTML file that opens with no network."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from taxmatch.cli.common import StoreOpt, context, out
from taxmatch.db.oversight import Period
from taxmatch.errors import InputError
from taxmatch.pipeline import oversight


def report(
    out_file: Annotated[Path, typer.Option("--out", help="The HTML file to write.")],
    first: Annotated[
        dt.datetime | None,
        typer.Option("--from", formats=["%Y-%m-%d"], help="First day (UTC; default: the 1st of this month)."),
    ] = None,
    last: Annotated[
        dt.datetime | None, typer.Option("--to", formats=["%Y-%m-%d"], help="Last day (UTC; default: today).")
    ] = None,
    store: StoreOpt = None,
) -> None:
    """Write the oversight report: disclosures, officials and cases, reasons, reviews, retractions."""
    ctx = context(store, existing=True)
    today = ctx.now().date()
    start, end = first.date() if first else today.replace(day=1), last.date() if last else today
    if start > end:
        raise InputError(f"--from {start} is after --to {end}", fix="Give the first day, then the last.")
    found = oversight.write(ctx, Period(start, end), out_file)
    out.print(
        f"wrote {out_file}: {found.totals['disclosures']:,} disclosure(s), {found.totals['retracted']:,} "
        f"retracted, {found.totals['batches']:,} batch(es) and call(s), {start} to {end}",
        highlight=False,
        soft_wrap=True,
    )
