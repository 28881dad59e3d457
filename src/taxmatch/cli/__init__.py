"""The taxmatch command line: the first thing a newcomer runs, and what overseers script.

One group per concern (cli/master.py, batches.py, ledger.py, clients.py,
service.py); errors leave through one handler (TaxmatchGroup). The lab's
commands (synth, evaluate, demo) join through the `taxmatch.commands` entry
point, so that no production module imports the lab.
"""

from __future__ import annotations

import logging
from importlib.metadata import entry_points
from typing import Annotated, Any

import typer
from typer._click.core import Context as ClickContext  # the click that typer bundles
from typer.core import TyperGroup

from taxmatch import __version__, runtime
from taxmatch.cli import (
    batches,
    clients,
    common,
    ledger,
    master,
    model,
    protect,
    report,
    retention,
    retract,
    service,
    store,
)
from taxmatch.errors import TaxmatchError

PLUGINS = "taxmatch.commands"


class TaxmatchGroup(TyperGroup):
    """The one error handler: a TaxmatchError from any command is one line on stderr and its exit code."""

    def invoke(self, ctx: ClickContext) -> Any:
        try:
            return super().invoke(ctx)
        except TaxmatchError as exc:
            common.fail(exc)
            raise typer.Exit(common.exit_code(exc)) from None


app = typer.Typer(
    cls=TaxmatchGroup,
    help="Answer a requesting agency's batches only within IRC 6103(i)(2) and the agreement.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


def _version(show: bool) -> None:
    if show:
        common.out.print(f"taxmatch {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    verbose: Annotated[
        int,
        typer.Option("--verbose", "-v", count=True, help="Log progress (-v) and every SQL statement (-vv)."),
    ] = 0,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and stop.")
    ] = False,
) -> None:
    """Answer a requesting agency's batches only within IRC 6103(i)(2) and the agreement."""
    if verbose:
        logging.basicConfig(
            level=logging.DEBUG if verbose > 1 else logging.INFO, format="%(levelname)s %(name)s: %(message)s"
        )
        logging.getLogger("taxmatch").setLevel(logging.DEBUG if verbose > 1 else logging.INFO)
        if verbose > 1:
            logging.getLogger("sqlalchemy.engine").setLevel(logging.INFO)


app.add_typer(store.app, name="store")
app.add_typer(master.app, name="master")
app.add_typer(model.app, name="model")
app.command()(batches.process)
app.command()(batches.explain)
app.command("reasons")(batches.reasons_cmd)
app.add_typer(ledger.app, name="ledger")
app.command()(ledger.audit)
app.add_typer(clients.app, name="clients")
app.add_typer(protect.app, name="protect")
app.command()(retention.purge)
app.command()(retract.retract)
app.command()(report.report)
app.command()(service.serve)
app.command()(service.worker)
for plugin in entry_points(group=PLUGINS):
    plugin.load()(app)


def main() -> None:
    logging.getLogger("splink").setLevel(logging.WARNING)
    runtime.arrow_allocator()
    app()
