"""The taxmatch command line: the first thing a newcomer runs, and what overseers script."""

from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
import socket
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from taxmatch import agreement as agreement_mod
from taxmatch import reasons
from taxmatch.db import clients, ledger
from taxmatch.db.clients import Role
from taxmatch.db.schema import connect
from taxmatch.errors import LedgerError, NoMasterLoaded, StoreError, TaxmatchError
from taxmatch.lab import baseline, evaluate, report, synth
from taxmatch.matching import explain as explain_mod
from taxmatch.matching import reference
from taxmatch.pipeline import batch as pipeline
from taxmatch.pipeline import intake, jobs
from taxmatch.pipeline.results import BatchReport
from taxmatch.settings import Settings, store_dir

app = typer.Typer(
    help="Answer a requesting agency's batches only within IRC 6103(i)(2) and the agreement.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
master_app = typer.Typer(help="Load the agency's master file.", no_args_is_help=True)
synth_app = typer.Typer(
    help="Make synthetic master files and request batches (no real people).", no_args_is_help=True
)
ledger_app = typer.Typer(help="The accounting ledger of disclosures.", no_args_is_help=True)
app.add_typer(master_app, name="master")
app.add_typer(synth_app, name="synth")
app.add_typer(ledger_app, name="ledger")
clients_app = typer.Typer(help="API clients: issue and revoke credentials.", no_args_is_help=True)
app.add_typer(clients_app, name="clients")
out = Console()
err = Console(stderr=True)

StoreOpt = Annotated[
    Path | None,
    typer.Option(
        "--store", help="Store directory (default: $TAXMATCH_STORE, else a per-user data directory)."
    ),
]
AgreementOpt = Annotated[
    Path | None,
    typer.Option("--agreement", help="Agreement YAML file (default: the packaged IRS-DHS-2025-04 terms)."),
]
SeedOpt = Annotated[int, typer.Option("--seed", help="Random seed, for reproducible data.")]


def _fail(exc: TaxmatchError) -> NoReturn:
    err.print(f"[bold red]error:[/] {exc.message}", highlight=False, markup=True, soft_wrap=True)
    code = 4 if isinstance(exc, LedgerError) else 3 if isinstance(exc, StoreError) else 2
    raise typer.Exit(code)


@contextmanager
def _steps(title: str) -> Iterator[Callable[[str], None]]:
    """A progress display: one line per step, with elapsed time."""
    with Progress(
        SpinnerColumn(),
        TextColumn("[bold]{task.description}"),
        TimeElapsedColumn(),
        console=err,
        transient=False,
    ) as progress:
        current: list[TaskID] = []

        def step(text: str) -> None:
            if current:
                progress.update(current[-1], completed=1, total=1)
            current.append(progress.add_task(f"{title}: {text}", total=None))

        try:
            yield step
        finally:
            if current:
                progress.update(current[-1], completed=1, total=1)


@master_app.command("load")
def master_load(
    master_file: Annotated[Path, typer.Argument(help="Master file (CSV or Parquet, spec section 2).")],
    store: StoreOpt = None,
) -> None:
    """Standardise the master file once, build the reference index, train and save the model."""
    try:
        with _steps("master load") as step:
            ref = reference.load(master_file, store_dir(store), dt.date.today(), step)
    except TaxmatchError as exc:
        _fail(exc)
    out.print(
        f"loaded {ref.meta['rows']:,} rows for {ref.meta['taxpayers']:,} taxpayers into {ref.directory}"
    )


def _process(
    request_file: Path, manifest: Path, out_dir: Path, agreement: Path | None, store: Path | None
) -> BatchReport:
    terms = agreement_mod.load(agreement)
    with _steps("process") as step:
        return pipeline.process(
            request_file, manifest, out_dir, store_dir(store), terms, dt.datetime.now(dt.UTC), step
        )


def _summary(batch: BatchReport) -> None:
    table = Table(title=f"batch {batch.batch_id}")
    table.add_column("outcome")
    table.add_column("rows", justify="right")
    for outcome, n in sorted(batch.outcomes.items()):
        table.add_row(outcome, f"{n:,}")
    out.print(table)
    codes = Table(title="reason codes")
    codes.add_column("code")
    codes.add_column("rows", justify="right")
    for code, n in batch.reasons.most_common():
        codes.add_row(code, f"{n:,}")
    out.print(codes)


@app.command()
def process(
    request_file: Annotated[Path, typer.Argument(help="Request file (CSV or Parquet, spec section 1).")],
    manifest: Annotated[Path, typer.Option("--manifest", help="The signed batch manifest (YAML or JSON).")],
    out_dir: Annotated[Path, typer.Option("--out", help="Directory for results.csv and decisions.csv.")],
    agreement: AgreementOpt = None,
    store: StoreOpt = None,
) -> None:
    """Answer every row of a batch; write results.csv and decisions.csv and account for each disclosure."""
    try:
        batch = _process(request_file, manifest, out_dir, agreement, store)
    except TaxmatchError as exc:
        _fail(exc)
    _summary(batch)
    out.print(f"wrote {out_dir / 'results.csv'} and {out_dir / 'decisions.csv'}")


@synth_app.command("master")
def synth_master(
    out_file: Annotated[Path, typer.Argument(help="Where to write the master CSV.")],
    taxpayers: Annotated[int, typer.Option("--taxpayers", min=1, help="How many taxpayers.")] = 100_000,
    seed: SeedOpt = 1,
) -> None:
    """Write a synthetic master file (one row per taxpayer address)."""
    people = synth.write_master(out_file, taxpayers, seed)
    out.print(f"wrote {len(people):,} taxpayers to {out_file}")


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
    synth.write_requests(out_file, truth, synth.read_people(master_file), rows, seed, hard)
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


@app.command("evaluate")
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
    try:
        base = None
        if requests is not None:
            rows = intake.read_requests(requests).rows
            base = baseline.disclosures(rows, reference.open_reference(store_dir(store)).parquet)
        _print_evaluation(evaluate.evaluate(results_dir, truth, base))
    except TaxmatchError as exc:
        _fail(exc)


@ledger_app.command("verify")
def ledger_verify(store: StoreOpt = None) -> None:
    """Re-check the whole hash chain; name the first entry that does not verify."""
    try:
        count = ledger.verify(connect(store_dir(store)))
    except TaxmatchError as exc:
        _fail(exc)
    out.print(f"ledger verifies: {count:,} entries")


@app.command()
def explain(
    batch: Annotated[str, typer.Argument(help="Batch id as `process` printed it, or a unique prefix.")],
    request_id: Annotated[str, typer.Argument(help="The request_id of the row.")],
    store: StoreOpt = None,
) -> None:
    """Show why a row got its answer: outcome, reasons, and the waterfall of match weights."""
    try:
        row = explain_mod.find(connect(store_dir(store)), batch, request_id)
    except TaxmatchError as exc:
        _fail(exc)
    out.print(
        f"[bold]{row['request_id']}[/] in batch {row['batch_id']}: [bold]{row['outcome']}[/] "
        f"({row['reason_codes']})",
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
        for step in explain_mod.waterfall(story["prior_bits"], candidate["weights"]):
            table.add_row(step.comparison, step.level, f"{step.bits:+.2f}", f"{step.total:+.2f}")
        out.print(table)
        out.print(
            f"match weight {candidate['match_weight']:+.2f} bits, "
            f"probability {candidate['match_probability']:.6f}"
        )
    if not story.get("subject"):
        out.print("no candidate was scored: the row was rejected before matching, or nobody was found.")


@clients_app.command("issue")
def clients_issue(
    agency: Annotated[str, typer.Option("--agency", help="The agency the client acts for, e.g. DHS/ICE.")],
    role: Annotated[Role, typer.Option("--role", help="What the client may do.")],
    store: StoreOpt = None,
) -> None:
    """Issue a credential; it is printed once and only its hash is kept."""
    who, credential = clients.issue(connect(store_dir(store)), agency, role, dt.datetime.now(dt.UTC))
    out.print(f"client {who.client_id} ({who.role.value}, {who.agency})")
    sys.stdout.write(credential + "\n")


@clients_app.command("revoke")
def clients_revoke(
    client_id: Annotated[str, typer.Argument(help="The client id to revoke.")], store: StoreOpt = None
) -> None:
    """Revoke a client: its credential is refused from now on."""
    try:
        clients.revoke(connect(store_dir(store)), client_id, dt.datetime.now(dt.UTC))
    except TaxmatchError as exc:
        _fail(exc)
    out.print(f"revoked {client_id}")


@clients_app.command("list")
def clients_list(store: StoreOpt = None) -> None:
    """List clients (never their secrets)."""
    table = Table()
    for column in ("client_id", "agency", "role", "created_at", "revoked_at"):
        table.add_column(column)
    for row in clients.listing(connect(store_dir(store))):
        table.add_row(
            *(str(row[c] or "") for c in ("client_id", "agency", "role", "created_at", "revoked_at"))
        )
    out.print(table)


@app.command()
def serve(
    host: Annotated[str, typer.Option("--host", help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8000,
) -> None:
    """Run the HTTP API (store and database from TAXMATCH_STORE / TAXMATCH_DATABASE_URL)."""
    import uvicorn

    from taxmatch.api import create_app

    try:
        application = create_app(Settings())
    except ValidationError as exc:
        err.print(f"[bold red]error:[/] unsafe or invalid settings: {exc.errors()[0]['msg']}")
        raise typer.Exit(2) from exc
    try:
        application.state.verifier.master()  # build the interactive index before taking calls
    except NoMasterLoaded:
        err.print("no master file is loaded yet: /ready says so until `taxmatch master load` runs")
    uvicorn.run(application, host=host, port=port)


@app.command()
def worker(
    once: Annotated[bool, typer.Option("--once", help="Process at most one job, then stop.")] = False,
    poll: Annotated[float, typer.Option("--poll", help="Seconds between looks for work.")] = 2.0,
    stale_after: Annotated[
        float,
        typer.Option("--stale-after", help="Seconds without a heartbeat before a running job is taken over."),
    ] = jobs.STALE_AFTER.total_seconds(),
    store: StoreOpt = None,
) -> None:
    """Process submitted batches, one at a time; safe to kill and restart at any point."""
    root = store_dir(store)
    engine = connect(root)
    terms = agreement_mod.load()
    name = f"{socket.gethostname()}:{os.getpid()}"
    while True:
        batch_id = jobs.claim(engine, name, dt.datetime.now(dt.UTC), dt.timedelta(seconds=stale_after))
        if batch_id is not None:
            status = jobs.run(engine, root, terms, batch_id, dt.datetime.now(dt.UTC))
            out.print(f"{batch_id}: {status}")
        if once:
            return
        if batch_id is None:
            time.sleep(poll)


@app.command("reasons")
def reasons_cmd() -> None:
    """Print the reason-code reference (the source of docs/reason-codes.md)."""
    sys.stdout.write(reasons.markdown())


@app.command()
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
    if (store / "reference" / "reference.json").exists():
        shutil.rmtree(store)  # the demo's own synthetic store: each run starts a fresh ledger
    paths = {
        n: out_dir / f
        for n, f in (
            ("master", "master.csv"),
            ("requests", "requests.csv"),
            ("truth", "truth.csv"),
            ("manifest", "manifest.json"),
        )
    }
    try:
        with _steps("demo") as step:
            step(f"generating {taxpayers:,} synthetic taxpayers")
            people = synth.write_master(paths["master"], taxpayers, seed)
            step(f"generating {rows:,} requests")
            synth.write_requests(paths["requests"], paths["truth"], people, rows, seed + 1)
            synth.write_manifest(paths["manifest"], paths["requests"])
        with _steps("master load") as step:
            ref = reference.load(paths["master"], store, dt.date.today(), step)
        batch = _process(paths["requests"], paths["manifest"], out_dir, None, store)
        base = baseline.disclosures(intake.read_requests(paths["requests"]).rows, ref.parquet)
        result = evaluate.evaluate(out_dir, paths["truth"], base)
        report.write(out_dir / "report.html", batch, result)
        entries = ledger.verify(connect(store))
    except TaxmatchError as exc:
        _fail(exc)
    _summary(batch)
    _print_evaluation(result)
    out.print(f"ledger verifies: {entries:,} entries")
    out.print(
        f"wrote {out_dir / 'results.csv'}, {out_dir / 'decisions.csv'} and {out_dir / 'report.html'} "
        f"in {time.perf_counter() - started:.0f} s"
    )


def main() -> None:
    logging.getLogger("splink").setLevel(logging.WARNING)
    app()
