"""`taxmatch serve` and `taxmatch worker`: the HTTP service and the worker that processes its batches."""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import time
from typing import Annotated

import typer
from pydantic import ValidationError

from taxmatch.cli.common import StoreOpt, context, err, out
from taxmatch.errors import NoMasterLoaded
from taxmatch.pipeline import jobs, retention
from taxmatch.settings import Settings

log = logging.getLogger(__name__)


def serve(
    host: Annotated[str, typer.Option("--host", help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8000,
    store: StoreOpt = None,
) -> None:
    """Run the HTTP API (the database from TAXMATCH_DATABASE_URL, else the store's own file)."""
    import uvicorn

    from taxmatch.api import create_app

    try:
        application = create_app(Settings.with_store(store))
    except ValidationError as exc:
        err.print(f"[bold red]error:[/] unsafe or invalid settings: {exc.errors()[0]['msg']}")
        raise typer.Exit(2) from exc
    try:
        application.state.verifier.master()  # build the interactive index before taking calls
    except NoMasterLoaded:
        err.print("no master file is loaded yet: /ready says so until `taxmatch master load` runs")
    uvicorn.run(application, host=host, port=port)


def worker(
    once: Annotated[bool, typer.Option("--once", help="Process at most one job, then stop.")] = False,
    poll: Annotated[float, typer.Option("--poll", help="Seconds between looks for work.")] = 2.0,
    stale_after: Annotated[
        float,
        typer.Option("--stale-after", help="Seconds without a heartbeat before a running job is taken over."),
    ] = jobs.STALE_AFTER.total_seconds(),
    beat_every: Annotated[
        float, typer.Option("--beat-every", help="Seconds between heartbeats of the job this worker runs.")
    ] = jobs.BEAT_EVERY.total_seconds(),
    purge_every: Annotated[
        float, typer.Option("--purge-every", help="Seconds between purges of what is past its retention.")
    ] = 3600.0,
    store: StoreOpt = None,
) -> None:
    """Process submitted batches, one at a time; safe to kill and restart at any point."""
    ctx = context(store)
    name = f"{socket.gethostname()}:{os.getpid()}"
    out.print(f"worker {name}: store {ctx.layout.root}, taking over jobs silent for {stale_after:.0f} s")
    purged_at = -purge_every
    while True:
        if time.monotonic() - purged_at >= purge_every:
            done = retention.purge(ctx, f"worker {name}")
            purged_at = time.monotonic()
            if any(done.counts.values()):
                out.print(f"purged past retention: {done.counts}")
        batch_id = jobs.claim(ctx, name, dt.timedelta(seconds=stale_after))
        if batch_id is not None:
            status = jobs.run(ctx, batch_id, beat_every)
            out.print(f"{batch_id}: {status.value}")
        if once:
            return
        if batch_id is None:
            time.sleep(poll)
