"""The lab's commands: `taxmatch synth`, `evaluate` and `demo` (synthetic people only).

They join the command line through the `taxmatch.commands` entry point
(pyproject.toml), so that the production CLI never imports the lab.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from taxmatch.cli.batches import run, summary
from taxmatch.cli.common import StoreOpt, context, out, steps
from taxmatch.db import clients, ledger
from taxmatch.lab import baseline, evaluate, report, synth
from taxmatch.layout import Layout
from taxmatch.matching import reference
from taxmatch.pipeline import intake
from taxmatch.settings import Settings

SeedOpt = Annotated[int, typer.Option("--seed", help="Random seed, for reproducible data.")]
synth_app = typer.Typer(
    help="Make synthetic master files and request batches (no real people).", no_args_is_help=True
)


@synth_app.command("master")
def synth_master(
    out_file: Annotated[Path, typer.Argument(help="Where to write the master CSV.")],
    taxpayers: Annotated[int, typer.Option("--taxpayers", min=1, help="How many taxpayers.")] = 100_000,
    seed: SeedOpt = 1,
) -> None:
    """Write a synthetic master file (one row per taxpayer address)."""
    rows = synth.stream_master(out_file, taxpayers, seed)
    out.print(f"wrote {taxpayers:,} taxpayers ({rows:,} address rows) to {out_file}")


@synth_app.command("requests")
def synth_requests(
    master_file: Annotated[Path, typer.Argument(help="A master CSV written by `synth master`.")],
    out_file: Annotated[Path, typer.Argument(help="Where to write the request CSV.")],
    truth: Annotated[Path, typer.Option("--truth", help="Where to write the ground truth CSV.")],
    manifest: Annotated[
        Path | None, typer.Option("--manifest", help="Also write a signed manifest here.")
    ] = None,
    rows: Annotated[int, typer.Option("--rows", min=1, help="How many request rows.")] = 10_000,
    hard: Annotated[
        bool, typer.Option("--hard", help="Fewer exact rows, two variations per varied row.")
    ] = False,
    seed: SeedOpt = 2,
) -> None:
    """Write a synthetic request batch shaped like the 2025 ones, with its ground truth."""
    synth.write_batch(master_file, out_file, truth, rows, seed, hard)
    if manifest:
        synth.write_manifest(manifest, out_file)
    out.print(f"wrote {rows:,} requests to {out_file} and the truth to {truth}")


def _print_evaluation(result: evaluate.Evaluation) -> None:
    table = Table(title="disclosures against ground truth")
    for column in ("process", "disclosures", "unlawful", "wrong person"):
        table.add_column(column, justify="right" if column != "process" else "left")
    rows = [("taxmatch", result.taxmatch)] + ([("2025-style", result.baseline)] if result.baseline else [])
    for name, t in rows:
        table.add_row(name, f"{t.disclosures:,}", f"{t.unlawful:,}", f"{t.wrong_person:,}")
    out.print(table)
    origins = Table(title="by surname origin (census majority)")
    for column in ("origin", "rows", "findable", "recall", "held for review", "missed", "wrong person"):
        origins.add_column(column, justify="left" if column == "origin" else "right")
    for name, g in result.by_origin.items():
        origins.add_row(
            name,
            f"{g.rows:,}",
            f"{g.findable:,}",
            f"{g.recall:.4f}",
            f"{g.reviewed:,}",
            f"{g.missed:,}",
            f"{g.wrong_person:,}",
        )
    out.print(origins)
    out.print(
        f"findable {result.findable:,}; disclosed for the right person {result.recalled:,}; "
        f"recall {result.recall:.4f}; REVIEW rate {result.review_rate:.4f}"
    )


def evaluate_cmd(
    results_dir: Annotated[Path, typer.Argument(help="A directory written by `taxmatch process`.")],
    truth: Annotated[Path, typer.Option("--truth", help="The ground truth CSV of the batch.")],
    requests: Annotated[
        Path | None,
        typer.Option(
            "--requests", help="The batch's request file, to score the 2025-style process beside taxmatch."
        ),
    ] = None,
    store: StoreOpt = None,
) -> None:
    """Score a processed batch against ground truth: recall, unlawful and wrong-person disclosures."""
    base = None
    if requests is not None:
        rows = intake.read_requests(requests).rows
        base = baseline.disclosures(rows, reference.open_reference(Settings.with_store(store).layout).parquet)
    _print_evaluation(evaluate.evaluate(results_dir, truth, base))


def demo(
    out_dir: Annotated[Path, typer.Option("--out", help="Where to write the demo's files.")] = Path(
        "demo-output"
    ),
    taxpayers: Annotated[
        int, typer.Option("--taxpayers", min=100, help="Size of the master file.")
    ] = 100_000,
    rows: Annotated[int, typer.Option("--rows", min=10, help="Size of the request batch.")] = 10_000,
    seed: SeedOpt = 1,
) -> None:
    """Make synthetic data, load it, process a 2025-shaped batch, and compare with the 2025-style process."""
    started = time.perf_counter()
    out_dir.mkdir(parents=True, exist_ok=True)
    store = out_dir / "store"
    issued: list[dict[str, object]] = []
    if Layout(store).has_master:  # the demo's own synthetic store: each run starts a fresh ledger,
        old = context(store)  # but keeps the credentials issued for it
        issued = clients.every(old.engine)
        old.engine.dispose()
        shutil.rmtree(store)
    paths = {n: out_dir / f"{n}.csv" for n in ("master", "requests", "truth")} | {
        "manifest": out_dir / "manifest.json"
    }
    with steps("demo") as step:
        step(f"generating {taxpayers:,} synthetic taxpayers")
        people = synth.write_master(paths["master"], taxpayers, seed)
        step(f"generating {rows:,} requests")
        synth.write_requests(paths["requests"], paths["truth"], people, rows, seed + 1)
        synth.write_manifest(paths["manifest"], paths["requests"])
    ctx = context(store)
    clients.restore(ctx.engine, issued)
    with steps("master load") as step:
        ref = reference.load(paths["master"], ctx.layout, ctx.now(), step, ctx.budget)
    batch = run(ctx, paths["requests"], paths["manifest"], out_dir)
    base = baseline.disclosures(intake.read_requests(paths["requests"]).rows, ref.parquet)
    result = evaluate.evaluate(out_dir, paths["truth"], base)
    report.write(out_dir / "evaluation.html", batch, result)
    entries = ledger.verify(ctx.engine).count
    summary(batch)
    _print_evaluation(result)
    out.print(f"ledger verifies: {entries:,} entries")
    out.print(
        f"wrote {out_dir / 'results.csv'}, {out_dir / 'decisions.csv'}, {out_dir / 'report.html'} and "
        f"{out_dir / 'evaluation.html'} "
        f"in {time.perf_counter() - started:.0f} s"
    )


def register(app: typer.Typer) -> None:
    """Add the lab's commands to the taxmatch command line (the `taxmatch.commands` entry point)."""
    app.add_typer(synth_app, name="synth")
    app.command("evaluate")(evaluate_cmd)
    app.command()(demo)
