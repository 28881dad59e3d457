"""`taxmatch model`: the matching model saved with the store's master, shown to reviewers and courts."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from taxmatch.cli.common import StoreOpt, context, out
from taxmatch.pipeline import model_report

app = typer.Typer(help="The matching model saved with the master.", no_args_is_help=True)


@app.command("report")
def report(
    folder: Annotated[Path, typer.Option("--out", help="Folder for the charts, parameters, page.")],
    store: StoreOpt = None,
) -> None:
    """Write the model's match-weights and m/u charts (Splink's own, drawn offline) and its parameters."""
    done = model_report.write(context(store, existing=True), folder)
    names = ", ".join(model_report.FILES)
    out.print(f"wrote {names} to {done.folder}: {done.levels} comparison levels", highlight=False)
