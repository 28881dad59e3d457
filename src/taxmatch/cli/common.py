"""What every command shares: the consoles, the common options, progress, and how errors leave.

Every TaxmatchError a command raises is caught once, by the application's
group (cli/__init__.py), and printed as one line (what, where, what to do)
with the exit code of its kind (EXIT_CODES); no command handles errors itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn

from taxmatch import errors
from taxmatch.pipeline.context import Context
from taxmatch.settings import Settings

out = Console()
err = Console(stderr=True)

# The exit code of each kind of error, most specific first; anything else a user meets is 2.
EXIT_CODES: tuple[tuple[type[errors.TaxmatchError], int, str], ...] = (
    (errors.LedgerError, 4, "the ledger does not verify"),
    (errors.StoreError, 3, "a store problem: missing, unreadable, no master loaded"),
    (errors.TaxmatchError, 2, "unusable input or a refused action: nothing was written"),
)
EXIT_OK = (0, "done (a batch with rejected rows is still done)")


def exit_code_of(kind: type[errors.TaxmatchError]) -> int:
    return next(code for k, code, _ in EXIT_CODES if issubclass(kind, k))


def exit_code(exc: errors.TaxmatchError) -> int:
    return exit_code_of(type(exc))


def fail(exc: errors.TaxmatchError) -> None:
    """Say what went wrong, where, and what to do, on stderr."""
    err.print(f"[bold red]error:[/] {exc.message}", highlight=False, markup=True, soft_wrap=True)


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


def context(store: Path | None, agreement: Path | None = None) -> Context:
    """The store, agreement and clock a command works with (its settings read once, here)."""
    return Context.open(Settings.with_store(store), agreement)


@contextmanager
def steps(title: str) -> Iterator[Callable[[str], None]]:
    """A progress display on stderr: one line per step, with elapsed time."""
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
