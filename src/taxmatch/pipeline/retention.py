"""Retention: delete what was received and answered once the agreement says it is needed no more.

Request files and manifests go `uploads_days` after their batch was released
(or failed), result files `results_days` after release, interactive calls'
records `uploads_days` after the call, and the details of how each decision
was reached (weights, probabilities, levels) `decision_details_days` after it.
What stays, for good, is the accounting: who asked, under what authority, when,
about whom as the request identified them (each decision's `asked`), what
became of each request and what was disclosed (the ledger, which still
verifies). Each purge is itself recorded, with its counts.
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil
from dataclasses import dataclass
from pathlib import Path

from taxmatch.db import purges
from taxmatch.pipeline.context import Context

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Purge:
    """What a purge deletes (or, in a dry run, would delete)."""

    uploads: list[Path]
    results: list[Path]
    calls: list[Path]
    decision_details: int

    @property
    def counts(self) -> dict[str, int]:
        return {
            "uploads": len(self.uploads),
            "results": len(self.results),
            "calls": len(self.calls),
            "decision_details": self.decision_details,
        }


def _cutoff(ctx: Context, days: int) -> dt.datetime:
    return ctx.now() - dt.timedelta(days=days)


def plan(ctx: Context) -> Purge:
    """What is past its retention today (only what still exists)."""
    kept = ctx.agreement.retention
    layout = ctx.layout
    uploads = [layout.upload(b) for b in purges.settled_uploads(ctx.engine, _cutoff(ctx, kept.uploads_days))]
    results = [
        layout.results(b) for b in purges.released_results(ctx.engine, _cutoff(ctx, kept.results_days))
    ]
    calls = [layout.call(b) for b in purges.answered_calls(ctx.engine, _cutoff(ctx, kept.uploads_days))]
    details = purges.count_details(ctx.engine, _cutoff(ctx, kept.decision_details_days))
    return Purge(
        [p for p in uploads if p.exists()],
        [p for p in results if p.exists()],
        [p for p in calls if p.exists()],
        details,
    )


def purge(ctx: Context, by: str, dry_run: bool = False) -> Purge:
    """Delete what is past its retention and record the purge; a dry run only says what it would delete."""
    found = plan(ctx)
    if dry_run:
        return found
    for folder in (*found.uploads, *found.results, *found.calls):
        shutil.rmtree(folder)
    cleared = purges.clear_details(ctx.engine, _cutoff(ctx, ctx.agreement.retention.decision_details_days))
    done = Purge(found.uploads, found.results, found.calls, cleared)
    purges.record(ctx.engine, ctx.now(), by, done.counts)
    log.info("purge by %s: %s", by, done.counts)
    return done
