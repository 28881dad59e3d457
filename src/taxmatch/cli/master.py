"""`taxmatch master`: load the agency's master file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from taxmatch.cli.common import StoreOpt, context, out, steps
from taxmatch.matching import reference

app = typer.Typer(help="Load the agency's master file.", no_args_is_help=True)


@app.command("load")
def load(
    master_file: Annotated[Path, typer.Argument(help="Master file (CSV or Parquet, spec section 2).")],
    store: StoreOpt = None,
    max_rejected: Annotated[
        float,
        typer.Option(
            "--max-rejected",
            min=0.0,
            max=1.0,
            help="The share of rows that may be defective: they are set aside into reference/rejected.csv "
            "(line, column, reason) and the rest load. 0 refuses a file with any defective row.",
        ),
    ] = 0.01,
) -> None:
    """Standardise the master file once, build the reference index, train and save the model."""
    ctx = context(store)
    with steps("master load") as step:
        ref = reference.load(master_file, ctx.layout, ctx.now(), step, ctx.budget, max_rejected)
    out.print(
        f"loaded {ref.meta['rows']:,} rows for {ref.meta['taxpayers']:,} taxpayers into {ref.directory}"
    )
    rejected = ref.meta["rejected_rows"]
    where = f": {ref.directory / reference.REJECTED}" if rejected else ""
    out.print(f"set aside {rejected:,} defective rows{where}")
