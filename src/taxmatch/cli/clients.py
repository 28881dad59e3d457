"""`taxmatch clients`: issue, revoke and list the service's credentials."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer
from rich.table import Table

from taxmatch.cli.common import StoreOpt, context, out
from taxmatch.db import clients
from taxmatch.db.clients import Role
from taxmatch.pipeline.context import Context
from taxmatch.settings import Settings

app = typer.Typer(help="API clients: issue and revoke credentials.", no_args_is_help=True)
LISTED = ("client_id", "agency", "role", "created_at", "revoked_at")


@app.command("issue")
def issue(
    agency: Annotated[str, typer.Option("--agency", help="The agency the client acts for, e.g. DHS/ICE.")],
    role: Annotated[Role, typer.Option("--role", help="What the client may do.")],
    store: StoreOpt = None,
) -> None:
    """Issue a credential; it is printed once and only its hash is kept."""
    settings = Settings.with_store(store)
    ctx = Context.open(settings)
    key = settings.secret_key.get_secret_value().encode("utf-8")
    who, credential = clients.issue(ctx.engine, agency, role, ctx.now(), key)
    out.print(f"client {who.client_id} ({who.role.value}, {who.agency})")
    sys.stdout.write(credential + "\n")


@app.command("revoke")
def revoke(
    client_id: Annotated[str, typer.Argument(help="The client id to revoke.")], store: StoreOpt = None
) -> None:
    """Revoke a client: its credential is refused from now on."""
    ctx = context(store)
    clients.revoke(ctx.engine, client_id, ctx.now())
    out.print(f"revoked {client_id}")


@app.command("list")
def listing(
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON object per line, ids whole (for `clients revoke`).")
    ] = False,
    store: StoreOpt = None,
) -> None:
    """List clients (never their secrets)."""
    rows = clients.listing(context(store, existing=True).engine)
    if as_json:
        sys.stdout.writelines(json.dumps({c: row[c] for c in LISTED}, default=str) + "\n" for row in rows)
        return
    table = Table()
    for column in LISTED:
        table.add_column(column, overflow="fold", no_wrap=column == "client_id")
    for row in rows:
        table.add_row(*(str(row[c] or "") for c in LISTED))
    out.print(table)
