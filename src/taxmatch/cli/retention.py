"""`taxmatch purge`: delete what is past the agreement's retention, keeping the accounting."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from taxmatch.cli.common import StoreOpt, context, out
from taxmatch.pipeline import retention


def purge(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Say what would go; delete nothing.")] = False,
    by: Annotated[str, typer.Option("--by", help="Who runs the purge (recorded with it).")] = "operator",
    store: StoreOpt = None,
) -> None:
    """Delete request files, result files and decision details past their retention; record the purge."""
    ctx = context(store)
    done = retention.purge(ctx, by, dry_run)
    kept = ctx.agreement.retention
    table = Table(title="would delete (dry run)" if dry_run else "deleted")
    for column in ("what", "kept for", "count"):
        table.add_column(column, justify="right" if column == "count" else "left")
    table.add_row(
        "request files and manifests", f"{kept.uploads_days} days after release", str(len(done.uploads))
    )
    table.add_row(
        "result and decision files", f"{kept.results_days} days after release", str(len(done.results))
    )
    table.add_row("interactive calls' records", f"{kept.uploads_days} days", str(len(done.calls)))
    table.add_row("decision details", f"{kept.decision_details_days} days", str(done.decision_details))
    out.print(table)
    out.print("the accounting (who asked, under what authority, about whom, what was disclosed) is kept")
