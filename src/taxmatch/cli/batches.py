"""`taxmatch process`, `explain` and `reasons`: answer a batch, and say why a row got its answer."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from taxmatch import reasons
from taxmatch.cli.common import AgreementOpt, StoreOpt, context, out, steps
from taxmatch.db import decisions
from taxmatch.matching import explain as waterfall
from taxmatch.pipeline import batch
from taxmatch.pipeline.context import Context
from taxmatch.pipeline.results import BatchReport
from taxmatch.settings import Settings


def run(
    ctx: Context, request_file: Path, manifest: Path, out_dir: Path, max_rows: int | None = None
) -> BatchReport:
    """Read, check and answer one batch, with progress; the answers leave now, so they are accounted now."""
    with steps("process") as step:
        step("reading the manifest and request file")
        submission = batch.read_batch(request_file, manifest, ctx.agreement, max_rows=max_rows)
        return batch.process(ctx, submission, out_dir, step=step)


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
) -> None:
    """Answer every row of a batch; write results.csv and decisions.csv and account for each disclosure."""
    settings = Settings.with_store(store)
    ctx = Context.open(settings, agreement)
    report = run(ctx, request_file, manifest, out_dir, settings.max_rows_per_batch)
    summary(report)
    out.print(f"wrote {out_dir / 'results.csv'} and {out_dir / 'decisions.csv'}")


def explain(
    batch_id: Annotated[
        str, typer.Argument(metavar="BATCH", help="Batch id as `process` printed it, or a unique prefix.")
    ],
    request_id: Annotated[str, typer.Argument(help="The request_id of the row.")],
    store: StoreOpt = None,
) -> None:
    """Show why a row got its answer: outcome, reasons, and the waterfall of match weights."""
    row = decisions.find(context(store).engine, batch_id, request_id)
    out.print(
        f"[bold]{row['request_id']}[/] in batch {row['batch_id']}: "
        f"[bold]{row['outcome']}[/] ({row['reason_codes']})",
        highlight=False,
    )
    story = row["explanation"] or {}
    for role in ("subject", "runner_up"):
        candidate = story.get(role)
        if not candidate:
            continue
        table = Table(
            title=f"{'best candidate' if role == 'subject' else 'runner-up'}: TIN {candidate['tin']}"
        )
        for column in ("comparison", "level", "bits", "running total"):
            table.add_column(column, justify="right" if column in {"bits", "running total"} else "left")
        for step in waterfall.waterfall(story["prior_bits"], candidate["weights"]):
            table.add_row(step.comparison, step.level, f"{step.bits:+.2f}", f"{step.total:+.2f}")
        out.print(table)
        out.print(
            f"match weight {candidate['match_weight']:+.2f} bits, "
            f"probability {candidate['match_probability']:.6f}"
        )
    if not story.get("subject"):
        out.print("no candidate was scored: the row was rejected before matching, or nobody was found.")


def reasons_cmd() -> None:
    """Print the reason-code reference (the source of docs/reason-codes.md)."""
    sys.stdout.write(reasons.markdown())
