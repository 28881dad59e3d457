"""`taxmatch retract`: retract disclosures, append that to the log, and write the recipient's notice."""

from __future__ import annotations

import datetime as dt
import getpass
from collections import Counter
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from taxmatch.cli.common import StoreOpt, context, out
from taxmatch.pipeline import retraction


def _counts(title: str, counts: Counter[str]) -> Table:
    table = Table(title=title)
    table.add_column(title.split()[-1])
    table.add_column("disclosures", justify="right")
    for name, n in counts.most_common():
        table.add_row(name, f"{n:,}")
    return table


def retract(
    why: Annotated[str, typer.Option("--why", help="Why (the order or finding), at least 10 characters.")],
    batch: Annotated[str | None, typer.Option("--batch", help="Every disclosure of this batch.")] = None,
    official: Annotated[
        str | None, typer.Option("--official", help="Every disclosure to this official.")
    ] = None,
    case: Annotated[str | None, typer.Option("--case", help="Every disclosure for this case number.")] = None,
    reason: Annotated[
        str | None, typer.Option("--reason", help="Every disclosure whose decision carries this reason code.")
    ] = None,
    disclosed_from: Annotated[
        dt.datetime | None,
        typer.Option("--disclosed-from", formats=["%Y-%m-%d"], help="Disclosed on or after this day (UTC)."),
    ] = None,
    disclosed_to: Annotated[
        dt.datetime | None,
        typer.Option("--disclosed-to", formats=["%Y-%m-%d"], help="Disclosed on or before this day (UTC)."),
    ] = None,
    ids: Annotated[
        Path | None, typer.Option("--ids", help="A file of disclosure ids (TXM-…), one a line.")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print what it would retract, by batch, official and reason.")
    ] = False,
    out_file: Annotated[
        Path | None,
        typer.Option("--out", help="Write the recipient's notice here (default: STORE/retractions/ID.csv)."),
    ] = None,
    store: StoreOpt = None,
) -> None:
    """Retract disclosures: one log entry each (nothing deleted), a checkpoint, and a notice (CSV)."""
    chosen = retraction.selection(
        batch=batch,
        official=official,
        case=case,
        reason=reason,
        disclosed_from=disclosed_from.date() if disclosed_from else None,
        disclosed_to=disclosed_to.date() if disclosed_to else None,
        ids=retraction.read_ids(ids) if ids else (),
    )
    ctx = context(store, existing=True)
    if dry_run:
        found = retraction.impact(ctx, chosen)
        out.print(
            f"would retract {found.disclosures:,} disclosure(s); "
            f"{found.already_retracted:,} already retracted",
            highlight=False,
        )
        for title, counts in (
            ("by batch", found.by_batch),
            ("by official", found.by_official),
            ("by reason", found.by_reason),
        ):
            if counts:
                out.print(_counts(title, counts))
        out.print("dry run: nothing was written")
        return
    done = retraction.retract(ctx, chosen, why, f"command line ({getpass.getuser()})")
    if done is None:
        found = retraction.impact(ctx, chosen)
        out.print(f"nothing to retract: {found.already_retracted:,} already retracted", highlight=False)
        return
    path = out_file or ctx.layout.root / "retractions" / f"{done.retraction_id}.csv"
    retraction.write_notice(done.notice, path)
    out.print(
        f"retraction {done.retraction_id}: {done.entries:,} disclosure(s) retracted "
        f"({done.already_retracted:,} already were); notice for the recipient: {path}",
        highlight=False,
        soft_wrap=True,
    )
