"""What every command shares: the consoles, the common options, progress, and how errors leave.

Every TaxmatchError a command raises is caught once, by the application's
group (cli/__init__.py), and printed as one line (what, where, what to do)
with the exit code of its kind (EXIT_CODES); no command handles errors itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress, ProgressColumn, SpinnerColumn, Task, TaskID, TextColumn, TimeElapsedColumn
from rich.text import Text

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


def context(store: Path | None, agreement: Path | None = None, *, existing: bool = False) -> Context:
    """The store, agreement and clock a command works with (its settings read once, here).

    `existing`: the command reads a store and must not make one; a mistyped --store
    is then an error (exit 3), not an empty store that verifies.
    """
    settings = Settings.with_store(store)
    if existing and not settings.store_path.is_dir():
        raise errors.StoreError(
            f"there is no store at {settings.store_path}",
            where=errors.Location(str(settings.store_path)),
            fix="Check --store (or TAXMATCH_STORE). Only `taxmatch store init` and `taxmatch master load` "
            "make a new store.",
        )
    return Context.open(settings, agreement)


class Steps:
    """A progress display's reporters: a line per stage, and a bar of rows answered with rate and ETA.

    A batch answered in chunks goes through the same stages once per chunk; a
    stage seen before becomes the current line again rather than adding one.
    """

    def __init__(self, title: str, progress: Progress) -> None:
        self.title, self.progress = title, progress
        self.lines: dict[str, TaskID] = {}
        self.current: TaskID | None = None
        self.bar: TaskID | None = None

    def __call__(self, text: str) -> None:
        self.finish()
        if text not in self.lines:
            self.lines[text] = self.progress.add_task(f"{self.title}: {text}", total=None)
        self.current = self.lines[text]
        self.progress.reset(self.current, total=None)

    def advance(self, done: int, total: int) -> None:
        """Rows done of rows in all (shown as a bar with the rate and the time left)."""
        if self.bar is None:
            self.bar = self.progress.add_task(f"{self.title}: rows answered", total=total, rows=True)
        self.progress.update(self.bar, completed=done, total=total)

    def finish(self) -> None:
        if self.current is not None:
            self.progress.update(self.current, completed=1, total=1)


class _RowsColumn(ProgressColumn):
    """Rows done of all, their rate and the time left: on the rows bar only."""

    def render(self, task: Task) -> Text:
        if not task.fields.get("rows") or not task.total:
            return Text("")
        rate = f", {task.speed:,.0f} rows/s" if task.speed else ""
        left = f", {task.time_remaining:,.0f} s left" if task.time_remaining is not None else ""
        return Text(f"{int(task.completed):,} of {int(task.total):,}{rate}{left}")


@contextmanager
def steps(title: str) -> Iterator[Steps]:
    """A progress display on stderr: one line per step with elapsed time, and a bar of rows answered."""
    with Progress(
        SpinnerColumn(),
        TextColumn("[bold]{task.description}"),
        TimeElapsedColumn(),
        _RowsColumn(),
        console=err,
        transient=False,
    ) as progress:
        shown = Steps(title, progress)
        try:
            yield shown
        finally:
            shown.finish()
