"""`taxmatch process`, `explain` and `reasons`: answer a batch, and say why a row got its answer."""

from __future__ import annotations

import getpass
import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from taxmatch import reasons
from taxmatch.cli.common import AgreementOpt, StoreOpt, context, out, steps
from taxmatch.db.accesses import Via
from taxmatch.db.clients import Role
from taxmatch.matching import reference
from taxmatch.matching.search import Search, SparkMaster
from taxmatch.pipeline import batch, inspection
from taxmatch.pipeline.context import Context
from taxmatch.pipeline.results import BatchReport
from taxmatch.settings import Engine, Settings


def run(
    ctx: Context,
    request_file: Path,
    manifest: Path,
    out_dir: Path,
    max_rows: int | None = None,
    search: Search | None = None,
) -> BatchReport:
    """Read, check and answer one batch, with progress; the answers leave now, so they are accounted now.

    `search`: where candidates are scored (DuckDB over the whole master by default)."""
    with steps("process") as step:
        step("reading the manifest and request file")
        submission = batch.read_batch(request_file, manifest, ctx.agreement, max_rows=max_rows)
        return batch.process(ctx, submission, out_dir, step=step, advance=step.advance, search=search)


def summary(report: BatchReport) -> None:
    table = Table(title=f"batch {report.batch_id}")
    table.add_column("outcome")
    table.add_column("rows", justify="right")
    for outcome, n in sorted(report.outcomes.items()):
        table.add_row(outcome, f"{n:,}")
    out.print(table)
    codes = Table(title="reason codes")
    codes.add_column("code")
    codes.add_column("rows", justify="right")
    for code, n in report.reasons.most_common():
        codes.add_row(code, f"{n:,}")
    out.print(codes)


def process(
    request_file: Annotated[Path, typer.Argument(help="Request file (CSV or Parquet, spec section 1).")],
    manifest: Annotated[Path, typer.Option("--manifest", help="The signed batch manifest (YAML or JSON).")],
    out_dir: Annotated[Path, typer.Option("--out", help="Directory for results.csv and decisions.csv.")],
    agreement: AgreementOpt = None,
    store: StoreOpt = None,
    engine: Annotated[
        Engine | None,
        typer.Option(
            "--engine",
            help="Where candidates are scored: duckdb (this process) or spark (TAXMATCH_SPARK_MASTER). "
            "Default: TAXMATCH_ENGINE, else duckdb.",
        ),
    ] = None,
) -> None:
    """Answer every row of a batch; write results.csv and decisions.csv and account for each disclosure."""
    settings = Settings.with_store(store)
    ctx = Context.open(settings, agreement)
    search: Search | None = None
    if (engine or settings.engine) is Engine.SPARK:
        search = SparkMaster(reference.open_reference(ctx.layout, ctx.budget), settings.spark_master)
    try:
        report = run(ctx, request_file, manifest, out_dir, settings.max_rows_per_batch, search)
    finally:
        if search is not None:
            search.close()
    summary(report)
    out.print(f"wrote {out_dir / 'results.csv'} and {out_dir / 'decisions.csv'}")


def explain(
    batch_id: Annotated[
        str, typer.Argument(metavar="BATCH", help="Batch id as `process` printed it, or a unique prefix.")
    ],
    request_id: Annotated[str, typer.Argument(help="The request_id of the row.")],
    as_json: Annotated[bool, typer.Option("--json", help="The same, as one JSON document.")] = False,
    store: StoreOpt = None,
) -> None:
    """Say why a row got its answer: the rule that decided it, the values compared, and the match weights."""
    ctx = context(store, existing=True)
    viewer = f"command line ({getpass.getuser()})"  # taxpayer data is shown: the look is recorded
    told = inspection.inspect(ctx, batch_id, request_id, viewer, Role.ADMIN, Via.EXPLAIN)  # the store's own
    if as_json:
        sys.stdout.write(json.dumps(told, indent=2, default=str) + "\n")
        return
    _tell(told)


def _tell(told: dict[str, Any]) -> None:
    out.print(
        f"[bold]{told['request_id']}[/] in batch {told['batch_id']}: [bold]{told['outcome']}[/]",
        highlight=False,
    )
    out.print(told["decided_by"], highlight=False)
    asked = Table(title="what the request gave")
    for column in ("field", "value"):
        asked.add_column(column)
    for field, value in told["asked"].items():
        if value and field not in {"reason", "attestation"}:
            asked.add_row(field, str(value))
    out.print(asked)
    if not told["candidates"]:
        out.print(f"no candidate to show ({told['candidates_scored']} scored).")
    for candidate in told["candidates"]:
        on_file = Table(title=f"{candidate['role']}: TIN {candidate['tin']}, on file")
        for column in ("name", "address", "as of", "source", "born"):
            on_file.add_column(column)
        for record in candidate.get("on_file", []):
            name = " ".join(
                str(record[c] or "") for c in ("first_name", "middle_name", "last_name", "suffix")
            ).split()
            place = ", ".join(
                str(record[c]) for c in ("street_address", "unit", "city", "state", "zip") if record[c]
            )
            on_file.add_row(
                " ".join(name),
                place,
                str(record["address_as_of"]),
                str(record["address_source"]),
                str(record["date_of_birth"] or ""),
            )
        out.print(on_file)
        steps = Table(title=f"{candidate['role']}: match weights")
        for column in ("comparison", "level", "bits", "running total"):
            steps.add_column(column, justify="right" if column in {"bits", "running total"} else "left")
        for step in candidate["waterfall"]:
            steps.add_row(step["comparison"], step["level"], f"{step['bits']:+.2f}", f"{step['total']:+.2f}")
        out.print(steps)
        weight, chance = candidate["match_weight"], candidate["match_probability"]
        out.print(f"match weight {weight:+.2f} bits, probability {chance:.6f}")
    out.print(told["bits"], highlight=False)


def reasons_cmd() -> None:
    """Print the reason-code reference (the source of docs/reason-codes.md)."""
    sys.stdout.write(reasons.markdown())
