"""Interactive calls: a few requests answered at once, as a batch of their own.

A call goes through the same pipeline as a batch (gate, standardise, match,
decide, ledger, decisions table), from memory: its rows never make a round
trip through a file. Only the candidate search differs: an in-memory index
instead of a scan of the whole master, with the same blocking rules. The
call's request file and manifest are then kept in the store as its record.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from taxmatch import runtime
from taxmatch.db.clients import Client
from taxmatch.errors import AccessDenied, InputError, Location
from taxmatch.interchange import REQUEST_COLUMNS
from taxmatch.layout import Layout
from taxmatch.matching import reference
from taxmatch.matching.duck import UNLIMITED, Budget
from taxmatch.matching.search import IndexedMaster
from taxmatch.pipeline import batch, intake, manifests, results
from taxmatch.pipeline.context import Context
from taxmatch.standardise.table import load_tables

MAX_REQUESTS = 25
KIND = "call"


@dataclass(frozen=True)
class Answered:
    call_id: str
    request_file_sha256: str
    results: list[dict[str, str]]


def request_file(rows: Sequence[Mapping[str, str]]) -> bytes:
    """The call's requests as an interchange CSV: what the manifest's digest covers."""
    for number, row in enumerate(rows):
        missing = [c for c in REQUEST_COLUMNS if c not in row]
        extra = sorted(set(row) - set(REQUEST_COLUMNS))
        if missing or extra:
            raise InputError(
                "missing field(s) " + ", ".join(missing)
                if missing
                else "unknown field(s) " + ", ".join(extra),
                where=Location(f"requests[{number}]"),
                fix="Send exactly the request columns of spec/interchange.md, empty strings where unknown.",
            )
    text = io.StringIO()
    writer = csv.DictWriter(text, REQUEST_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return text.getvalue().encode("utf-8")


class Verifier:
    """Holds the index of the loaded master, rebuilt when a new master is loaded."""

    def __init__(self, layout: Layout, budget: Budget = UNLIMITED) -> None:
        self.layout, self.budget = layout, budget
        self._master: IndexedMaster | None = None
        self._lock = threading.Lock()

    def master(self) -> IndexedMaster:
        """The index of the master loaded now (built on first use, or after a reload)."""
        ref = reference.open_reference(self.layout, self.budget)
        if self._master is None or self._master.loaded_at != str(ref.meta.get("loaded_at", "")):
            if self._master is not None:
                self._master.close()
            self._master = IndexedMaster(ref)
            load_tables()  # what a call's standardising reads, settled with the rest
            runtime.settle_heap()
        return self._master

    def _keep(self, call_id: str, signed: Mapping[str, Any], body: bytes) -> None:
        """The call's record beside its answers: the request file and the manifest it was made under."""
        folder = self.layout.call(call_id)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "requests.csv").write_bytes(body)
        (folder / "manifest.json").write_text(json.dumps(signed, default=str), encoding="utf-8")

    def answer(
        self, ctx: Context, client: Client, manifest: Mapping[str, Any], rows: Sequence[Mapping[str, str]]
    ) -> Answered:
        """Answer a call of 1 to MAX_REQUESTS rows; refuse it whole (storing nothing) if it is not lawful."""
        if not 1 <= len(rows) <= MAX_REQUESTS:
            raise InputError(
                f"a call holds 1 to {MAX_REQUESTS} requests, not {len(rows)}",
                where=Location("requests"),
                fix="Send more than 25 requests as a batch.",
            )
        if manifest.get("requesting_agency") != client.agency:
            raise AccessDenied(
                f"this client acts for {client.agency!r}, not {manifest.get('requesting_agency')!r}"
            )
        body = request_file(rows)
        digest = hashlib.sha256(body).hexdigest()
        signed = {**manifest, "request_file_sha256": manifest.get("request_file_sha256") or digest}
        manifest_read = manifests.checked(dict(signed), "manifest")
        call_id = results.batch_id(manifest_read, KIND)
        requests = intake.requests_of(rows, body, "requests")
        checked = batch.check(manifest_read, requests, ctx.agreement, "manifest")
        folder = self.layout.call(call_id)
        # Recorded as a batch whose request file is the call's record, kept beside its answers.
        submission = batch.Submission(
            checked.manifest, replace(checked.requests, path=folder / "requests.csv"), KIND
        )
        with self._lock:  # one scoring session at a time
            report = batch.process(
                ctx, submission, folder / "out", search=self.master(), keep_answers=True, receipts=False
            )
            self._keep(call_id, signed, body)
        return Answered(report.batch_id, digest, [results.result_row(a) for a in report.answers])
