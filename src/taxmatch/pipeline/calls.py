"""Interactive verification: a few requests answered at once, as a batch of their own.

A call is written to the store as a request file and its manifest, exactly like
a batch, and goes through the same pipeline (gate, standardise, match, decide,
ledger, decisions table). Only the candidate search differs: an in-memory index
instead of a scan of the whole master, with the same blocking rules.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import shutil
import tempfile
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
from sqlalchemy import Engine

from taxmatch import runtime
from taxmatch.agreement import Agreement
from taxmatch.db.clients import Client
from taxmatch.errors import AccessDenied, InputError, Location
from taxmatch.interchange import REQUEST_COLUMNS
from taxmatch.matching import reference
from taxmatch.matching import scorer as matcher
from taxmatch.matching.candidate_index import CandidateIndex
from taxmatch.pipeline import batch as pipeline
from taxmatch.pipeline import intake
from taxmatch.pipeline import results as answers
from taxmatch.rules.decide import Candidate

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


class IndexedMaster:
    """pipeline.Search from memory: the candidate index, and a scoring session kept open."""

    def __init__(self, ref: reference.Reference) -> None:
        self.loaded_at = str(ref.meta.get("loaded_at", ""))
        self.index = CandidateIndex(ref)
        self.matcher = matcher.Matcher(ref, threads=1)
        # Score nothing once, so that the first real call neither records the prediction's SQL
        # nor leaves Splink's caches to be swept by a full collection later (see settle_heap).
        nothing = self.index.master.slice(0, 0)
        self.matcher.score(nothing, master=nothing)

    def score(self, requests: pa.Table) -> dict[int, list[Candidate]]:
        return self.matcher.score(requests, master=self.index.candidates(requests))

    def last_known(self, tins: list[str]) -> dict[str, tuple[str, ...]]:
        return self.index.last_known(tins)

    def close(self) -> None:
        self.matcher.close()
        self.index.close()


class Verifier:
    """Holds the index of the loaded master, rebuilt when a new master is loaded."""

    def __init__(self, store: Path) -> None:
        self.store = store
        self._master: IndexedMaster | None = None
        self._lock = threading.Lock()

    def master(self) -> IndexedMaster:
        """The index of the master loaded now (built on first use, or after a reload)."""
        ref = reference.open_reference(self.store)
        if self._master is None or self._master.loaded_at != str(ref.meta.get("loaded_at", "")):
            if self._master is not None:
                self._master.close()
            self._master = IndexedMaster(ref)
            runtime.settle_heap()
        return self._master

    def _stage(self, signed: Mapping[str, Any], body: bytes) -> tuple[str, Path, bool]:
        """Store the call's request file and manifest as a batch's: (call id, its folder, seen before)."""
        calls = self.store / "calls"
        calls.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".call-", dir=calls))
        try:
            (staging / "requests.csv").write_bytes(body)
            (staging / "manifest.json").write_text(json.dumps(signed, default=str), encoding="utf-8")
            bid = answers.batch_id(intake.read_manifest(staging / "manifest.json"), KIND)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        folder = calls / bid.replace(":", "_")
        existed = folder.exists()
        shutil.rmtree(folder, ignore_errors=True)
        staging.rename(folder)
        return bid, folder, existed

    def answer(
        self,
        engine: Engine,
        agreement: Agreement,
        client: Client,
        manifest: Mapping[str, Any],
        rows: Sequence[Mapping[str, str]],
        now: dt.datetime,
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
        with self._lock:  # one scoring session, and one call's files at a time
            bid, folder, existed = self._stage(signed, body)
            try:
                report = pipeline.process(
                    folder / "requests.csv",
                    folder / "manifest.json",
                    folder / "out",
                    self.store,
                    agreement,
                    now,
                    engine=engine,
                    search=self.master(),
                    kind=KIND,
                )
            except BaseException:
                if not existed:
                    shutil.rmtree(folder, ignore_errors=True)
                raise
        return Answered(bid, digest, [answers.result_row(a) for a in report.answers])
