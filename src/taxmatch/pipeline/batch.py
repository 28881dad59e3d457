"""Process one batch: intake, gate, standardise, match, decide, ledger, result files.

Everything that can refuse the batch (files, manifest, store) is checked
before anything is written; then every row gets exactly one decision.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Mapping, Set
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from taxmatch import runtime
from taxmatch.agreement import Agreement
from taxmatch.db import decisions, ledger, protected
from taxmatch.errors import Location, ManifestError
from taxmatch.interchange import Manifest
from taxmatch.matching import reference
from taxmatch.matching.search import Search, WholeMaster
from taxmatch.pipeline import answer_files, intake, manifests, results
from taxmatch.pipeline.context import Context
from taxmatch.pipeline.results import Answer, BatchReport
from taxmatch.reasons import Reason
from taxmatch.rules import gate
from taxmatch.rules.decide import Authority, Candidate, Decision, decide
from taxmatch.standardise.table import standardise

log = logging.getLogger(__name__)
Step = Callable[[str], None]


def quiet(_: str) -> None:
    """A step reporter that reports nothing."""


@dataclass(frozen=True)
class Submission:
    """A request file and the manifest that covers it, checked and ready to answer.

    `kind` is '' for a batch file and 'call' for an interactive call, which is a
    batch of its own (see results.batch_id).
    """

    manifest: Manifest
    requests: intake.RequestFile
    kind: str = ""

    @property
    def batch_id(self) -> str:
        return results.batch_id(self.manifest, self.kind)


def _match(
    rows: list[dict[str, str]], lawful: list[int], today: dt.date, search: Search
) -> dict[int, list[Candidate]]:
    if not lawful:
        return {}
    table = pa.Table.from_pylist([rows[i] for i in lawful])
    table = standardise(table, today).append_column("uid", pa.array(lawful, pa.int64()))
    return search.score(table)


def assess(
    rows: list[dict[str, str]],
    agreement: Agreement,
    signed_on: dt.date,
    search: Search,
    today: dt.date,
    step: Step = quiet,
    earlier: Mapping[str, Set[str]] | None = None,
) -> tuple[list[list[Reason]], dict[int, list[Candidate]]]:
    """The gate's reasons for every row, and the scored candidates of the lawful ones (by row index).

    `earlier`: the officials' case numbers already answered (see gate.check_batch).
    """
    step("checking each request against the law and the agreement")
    in_batch = gate.check_batch(rows, agreement, earlier)
    reasons = [
        gate.check_row(r, agreement, signed_on, today) + in_batch.get(i, []) for i, r in enumerate(rows)
    ]
    step("matching lawful requests against the master file")
    return reasons, _match(rows, [i for i, r in enumerate(reasons) if not r], today, search)


def check(manifest: Manifest, requests: intake.RequestFile, agreement: Agreement, label: str) -> Submission:
    """Refuse the batch whole if the manifest does not cover this file or fails under the agreement."""
    broken = gate.integrity(manifest, requests.sha256)
    if broken:
        raise ManifestError(
            f"integrity failure: {broken}",
            where=Location(label, column="request_file_sha256"),
            fix="Nothing was processed or stored. Compute the digest over the exact bytes sent; a request "
            "file re-saved after signing (CRLF line endings, a byte-order mark) is a common cause.",
        )
    problems = gate.check_manifest(manifest, agreement, requests.sha256)
    if problems:
        raise ManifestError(
            "the batch is legally insufficient: " + "; ".join(problems),
            where=Location(label),
            fix="Nothing was processed or stored; send a corrected manifest.",
        )
    return Submission(manifest, requests)


@runtime.fewer_collections()  # reading a large file makes millions of row objects, as processing does
def read_batch(
    request_path: Path,
    manifest_path: Path,
    agreement: Agreement,
    manifest_label: str | None = None,
    max_rows: int | None = None,
) -> Submission:
    """Read a manifest and its request file, and refuse the batch whole if the manifest does not hold
    (or the file holds more than `max_rows` rows)."""
    manifest = manifests.read(manifest_path)
    requests = intake.read_requests(request_path, max_rows)
    return check(manifest, requests, agreement, manifest_label or str(manifest_path))


def earlier_caseloads(ctx: Context, rows: list[dict[str, str]], now: dt.datetime) -> dict[str, set[str]]:
    """The case numbers each official in `rows` has asked about within the agreement's caseload window."""
    since = now - dt.timedelta(days=ctx.agreement.caseload_window_days)
    return decisions.caseloads(ctx.engine, (gate.official_key(r) for r in rows), since)


@runtime.fewer_collections()
def process(
    ctx: Context,
    submission: Submission,
    out_dir: Path,
    *,
    search: Search | None = None,
    released: bool = True,
    step: Step = quiet,
) -> BatchReport:
    """Answer every row of a submission; raise a TaxmatchError (writing nothing) if it cannot be processed.

    `search`: where candidates come from (the whole master by default);
    `released`: the answers leave with processing (the CLI, interactive calls),
    so their disclosures are accounted now. A service batch is accounted when a
    disclosure officer releases it (release.py), not before.
    """
    started, now = time.perf_counter(), ctx.now()
    rows, bid = submission.requests.rows, submission.batch_id
    log.info("batch %s: %d rows from %s", bid, len(rows), submission.requests.path)
    ref = reference.open_reference(ctx.layout, ctx.budget)
    search = search or WholeMaster(ref)
    earlier = earlier_caseloads(ctx, rows, now)
    reasons, found = assess(
        rows, ctx.agreement, submission.manifest.signed_on, search, now.date(), step, earlier
    )
    step("deciding")
    authority = Authority.of(ctx.agreement, now.date(), protected.active(ctx.engine, now.date()))
    decided = [decide(reasons[i], found.get(i, []), ctx.agreement, authority) for i in range(len(rows))]
    answers = _account(ctx, rows, decided, bid, search, now, released)
    step("writing results")
    decision_rows = [results.decision_row(a) for a in answers]
    prior_bits = ref.prior_bits  # read from the saved model: once, not once per row
    stored = [
        results.stored_decision(bid, a, r, q, prior_bits)
        for a, r, q in zip(answers, decision_rows, rows, strict=True)
    ]
    report = BatchReport(bid, answers)
    decisions.replace_batch(
        ctx.engine, results.batch_record(submission.manifest, submission.requests, report, now), stored
    )
    answer_files.write(out_dir, [results.result_row(a) for a in answers], decision_rows)
    log.info(
        "batch %s: answered %d rows in %.1f s: %s",
        bid,
        len(answers),
        time.perf_counter() - started,
        ", ".join(f"{k} {v}" for k, v in sorted(report.outcomes.items())),
    )
    return report


def _account(
    ctx: Context,
    rows: list[dict[str, str]],
    decided: list[Decision],
    bid: str,
    search: Search,
    now: dt.datetime,
    released: bool,
) -> list[Answer]:
    """Look up what may be disclosed and, if it leaves now, record each disclosure in the ledger first."""
    verified = [(row, d.chosen) for row, d in zip(rows, decided, strict=True) if d.chosen is not None]
    addresses = search.last_known([c.tin for _, c in verified])
    items = [ledger.Disclosure.of(bid, row, c.tin, ctx.agreement) for row, c in verified]
    ids = ledger.append(ctx.engine, items, now) if released else {}
    return [
        Answer(
            row["request_id"],
            d,
            ids.get(row["request_id"], "") if d.chosen else "",
            addresses.get(d.chosen.tin, ()) if d.chosen else (),
        )
        for row, d in zip(rows, decided, strict=True)
    ]
