"""Process one batch: intake, gate, standardise, match, decide, ledger, result files.

Everything that can refuse the batch (files, manifest, store) is checked
before anything is written; then every row gets exactly one decision.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping, Set
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import pyarrow as pa
from sqlalchemy import Engine

from taxmatch import runtime
from taxmatch.agreement import Agreement
from taxmatch.db import ledger
from taxmatch.db.schema import connect
from taxmatch.errors import Location, ManifestError
from taxmatch.interchange import DECISION_COLUMNS, RESULT_COLUMNS
from taxmatch.matching import reference
from taxmatch.matching import scorer as matcher
from taxmatch.pipeline import intake
from taxmatch.pipeline import results as answers_mod
from taxmatch.pipeline.output import write_csv_files
from taxmatch.pipeline.results import Answer, BatchReport, batch_id
from taxmatch.reasons import Reason
from taxmatch.rules import gate
from taxmatch.rules.decide import Authority, Candidate, Decision, decide
from taxmatch.standardise.table import standardise

log = logging.getLogger(__name__)
Step = Callable[[str], None]


class Search(Protocol):
    """Where candidates and last known addresses come from: the whole master file for a batch,
    an in-memory index for an interactive call (verify.py). The blocking rules are the same."""

    def score(self, requests: pa.Table) -> dict[int, list[Candidate]]: ...

    def last_known(self, tins: list[str]) -> dict[str, tuple[str, ...]]: ...


@dataclass(frozen=True)
class WholeMaster:
    """The batch path: scan the master file."""

    ref: reference.Reference

    def score(self, requests: pa.Table) -> dict[int, list[Candidate]]:
        return matcher.score(requests, self.ref)

    def last_known(self, tins: list[str]) -> dict[str, tuple[str, ...]]:
        return reference.last_known(self.ref, tins)


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
    step: Step = lambda _: None,
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


def read_batch(
    request_path: Path, manifest_path: Path, agreement: Agreement, manifest_label: str | None = None
) -> tuple[gate.Manifest, intake.RequestFile]:
    """Read a manifest and its request file, and refuse the batch whole if the manifest does not hold."""
    manifest = intake.read_manifest(manifest_path)
    requests = intake.read_requests(request_path)
    problems = gate.check_manifest(manifest, agreement, requests.sha256)
    if problems:
        raise ManifestError(
            "the batch is legally insufficient: " + "; ".join(problems),
            where=Location(manifest_label or str(manifest_path)),
            fix="Nothing was processed or stored; send a corrected manifest.",
        )
    return manifest, requests


def earlier_caseloads(
    engine: Any, rows: list[dict[str, str]], agreement: Agreement, now: dt.datetime
) -> dict[str, set[str]]:
    """The case numbers each official in `rows` has asked about within the agreement's caseload window."""
    since = now - dt.timedelta(days=agreement.caseload_window_days)
    return answers_mod.caseloads(engine, (gate.official_key(r) for r in rows), since)


@runtime.fewer_collections()
def process(
    request_path: Path,
    manifest_path: Path,
    out_dir: Path,
    store: Path,
    agreement: Agreement,
    now: dt.datetime,
    step: Step = lambda _: None,
    *,
    engine: Engine | None = None,
    search: Search | None = None,
    kind: str = "",
    released: bool = True,
) -> BatchReport:
    """Answer every row of a batch; raise a TaxmatchError (writing nothing) if it cannot be processed.

    `engine`: the store's database when the caller holds one already; `search`:
    where candidates come from (the whole master by default); `kind`:
    'call' for an interactive call, which is its own batch (see answers.batch_id);
    `released`: the answers leave with processing (the CLI, interactive calls),
    so their disclosures are accounted now. A service batch is accounted when a
    disclosure officer releases it (release.py), not before.
    """
    today = now.date()
    step("reading the manifest and request file")
    manifest, requests = read_batch(request_path, manifest_path, agreement)
    ref = reference.open_reference(store)
    engine = engine or connect(store)
    earlier = earlier_caseloads(engine, requests.rows, agreement, now)
    search = search or WholeMaster(ref)
    reasons, found = assess(requests.rows, agreement, manifest.signed_on, search, today, step, earlier)
    step("deciding")
    authority = Authority.of(agreement, today)
    decided = [decide(reasons[i], found.get(i, []), agreement, authority) for i in range(len(requests.rows))]
    bid = batch_id(manifest, kind)
    answers = _account(requests.rows, decided, bid, agreement, search, engine, now, released)
    step("writing results")
    decision_rows = [answers_mod.decision_row(a) for a in answers]
    answers_mod.persist(engine, bid, manifest, requests, answers, decision_rows, now, ref.prior_bits)
    write_csv_files(
        {
            out_dir / "results.csv": (RESULT_COLUMNS, (answers_mod.result_row(a) for a in answers)),
            out_dir / "decisions.csv": (DECISION_COLUMNS, decision_rows),
        }
    )
    return BatchReport(bid, answers)


def _account(
    rows: list[dict[str, str]],
    decided: list[Decision],
    bid: str,
    agreement: Agreement,
    search: Search,
    engine: Any,
    now: dt.datetime,
    released: bool,
) -> list[Answer]:
    """Look up what may be disclosed and, if it leaves now, record each disclosure in the ledger first."""
    verified = [(row, d.chosen) for row, d in zip(rows, decided, strict=True) if d.chosen is not None]
    addresses = search.last_known([c.tin for _, c in verified])
    items = [ledger.Disclosure.of(bid, row, c.tin, agreement) for row, c in verified]
    ids = ledger.append(engine, items, now) if released else {}
    return [
        Answer(
            row["request_id"],
            d,
            ids.get(row["request_id"], "") if d.chosen else "",
            addresses.get(d.chosen.tin, ()) if d.chosen else (),
        )
        for row, d in zip(rows, decided, strict=True)
    ]
