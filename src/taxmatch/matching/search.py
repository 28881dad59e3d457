"""Where a batch's or a call's candidates come from: one protocol, two ways to search.

A batch searches the whole master with the model's blocking rules, a chunk at
a time (in the index saved with the reference, or by a scan); an interactive
call looks its few rows up in the same index, held open, and scores them in a
session kept open. Both give the same candidates
(tests/matching/test_candidate_index.py holds them to it).
"""

from __future__ import annotations

from typing import Protocol

import pyarrow as pa

from taxmatch.matching import known_addresses, reference, scorer
from taxmatch.matching.candidate_index import CandidateIndex
from taxmatch.matching.known_addresses import KnownAddresses
from taxmatch.matching.term_frequencies import TermFrequencies
from taxmatch.rules.decide import Candidate


class Search(Protocol):
    """Candidates for requests (by row uid), and the last known addresses of matched taxpayers."""

    def score(self, requests: pa.Table) -> dict[int, list[Candidate]]: ...

    def last_known(self, tins: list[str]) -> dict[str, tuple[str, ...]]: ...

    def close(self) -> None: ...


class WholeMaster:
    """The batch path: the whole master searched, in one scoring session for all of a batch's chunks."""

    def __init__(self, ref: reference.Reference) -> None:
        self.ref = ref
        self._matcher: scorer.Matcher | None = None

    def score(self, requests: pa.Table) -> dict[int, list[Candidate]]:
        if self._matcher is None:
            self._matcher = scorer.Matcher(self.ref)
        return self._matcher.score(requests)

    def last_known(self, tins: list[str]) -> dict[str, tuple[str, ...]]:
        return known_addresses.last_known(self.ref, tins)

    def close(self) -> None:
        if self._matcher is not None:
            self._matcher.close()
            self._matcher = None


class SparkMaster:
    """The batch path on Spark: the whole master scanned by a Spark cluster (matching/spark.py)."""

    def __init__(self, ref: reference.Reference, master_url: str) -> None:
        from taxmatch.matching import spark  # PySpark and a JVM only when Spark is asked for

        self.ref = ref
        self.matcher = spark.SparkMatcher(ref, master_url)

    def score(self, requests: pa.Table) -> dict[int, list[Candidate]]:
        return self.matcher.score(requests)

    def last_known(self, tins: list[str]) -> dict[str, tuple[str, ...]]:
        return known_addresses.last_known(self.ref, tins)  # a lookup of the matched few: no cluster needed

    def close(self) -> None:
        self.matcher.close()


class IndexedMaster:
    """The interactive path: the candidate index, and a scoring session kept open."""

    def __init__(self, ref: reference.Reference) -> None:
        self.loaded_at = str(ref.meta.get("loaded_at", ""))
        self.index = CandidateIndex(ref)
        self.known = KnownAddresses(ref)
        self.matcher = scorer.Matcher(ref, threads=1, frequencies=TermFrequencies(ref))
        # Score nothing once, so that the first real call neither records the prediction's SQL
        # nor leaves Splink's caches to be swept by a full collection later (see runtime.settle_heap).
        nothing = self.index.master.slice(0, 0)
        self.matcher.score(nothing, master=nothing)

    def score(self, requests: pa.Table) -> dict[int, list[Candidate]]:
        return self.matcher.score(requests, master=self.index.candidates(requests))

    def last_known(self, tins: list[str]) -> dict[str, tuple[str, ...]]:
        return self.known.last_known(tins)

    def close(self) -> None:
        self.matcher.close()
        self.index.close()
