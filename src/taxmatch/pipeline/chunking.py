"""In what order a batch's rows are answered, and what of the whole batch each chunk carries.

Every blocking rule of the model pairs a request with master rows that share its
TIN, its ZIP or its city and state. A chunk of requests from one stretch of ZIP
codes therefore needs only the master rows of those ZIPs (and those TINs):
answered in ZIP order, each chunk scores against a slice of the master instead
of all of it (matching/scorer.py narrows it), which is what makes a national
master affordable. Whatever depends on file order (the first row about a person
stands; answers are written in request order) is settled over the file first, as is
each official's caseload.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from taxmatch import combinations
from taxmatch.db import decisions
from taxmatch.pipeline.context import Context
from taxmatch.pipeline.intake import RequestFile
from taxmatch.rules import batch_checks
from taxmatch.standardise.table import coded, plain


def by_locality(requests: RequestFile) -> pa.Array:
    """Row positions in ZIP order (as given, first five characters), file order within a ZIP."""
    zips = pc.utf8_slice_codeunits(pc.utf8_trim_whitespace(plain(requests.column("zip"))), 0, 5)
    keyed = pa.table({"zip": zips, "row": pa.array(range(len(requests)), pa.int64())})
    return pc.sort_indices(keyed, [("zip", "ascending"), ("row", "ascending")])


def repeated(requests: RequestFile) -> list[bool]:
    """For every row, in file order, whether an earlier row asked about the same person
    (batch_checks.Duplicates): the rule itself over a few rows (a call), found on the columns for more."""
    if len(requests) <= combinations.FEW_ROWS:
        return batch_checks.Duplicates().flags(requests.rows)
    return _repeated_by_columns(requests)


def _repeated_by_columns(requests: RequestFile) -> list[bool]:
    """`repeated` for a batch of any size.

    Two rows about one person agree on every field of batch_checks.PERSON_FIELDS, so a row that no other row
    agrees with on those cannot repeat one: those fields are compared a column at a time, and only the
    few rows that share them (people asked about more than once) go through the rule itself, in file
    order, street and all. The street is what costs: parsed here for every row, it was ~4 s per 100,000.
    Each field is compared by the code of its normalised text (standardise.table.coded), four bytes a
    row: as text, these columns held some 3 GB at once at 7.6M rows.
    """
    fields = [f"f{i}" for i in range(len(batch_checks.PERSON_FIELDS))]
    keyed = pa.table(
        {
            **{
                f: coded(requests.column(c), fn)[0]
                for f, (c, fn) in zip(fields, batch_checks.PERSON_FIELDS, strict=True)
            },
            "row": pa.array(range(len(requests)), pa.int64()),
        }
    )
    shared = keyed.group_by(fields).aggregate([("row", "count")]).filter(pc.greater(pc.field("row_count"), 1))
    positions = keyed.join(shared, keys=fields, join_type="inner")["row"]
    flags = np.zeros(len(requests), dtype=bool)
    if len(positions):
        ordered = pc.sort_indices(positions)
        rows = pc.take(positions, ordered).to_numpy()
        flags[rows] = batch_checks.Duplicates().flags(requests.take(rows.tolist()))
    return flags.tolist()


def slices(order: pa.Array, size: int) -> Iterator[list[int]]:
    """Consecutive runs of at most `size` positions of `order`.

    Each run stays in `order`. In request-id order within a run, SQLite stored the decisions with a
    fifth less CPU, but the disclosure ids, numbered as rows are answered, would then depend on the
    chunk size, and a batch's files on how it was split (docs/benchmarks.md, 2026-12-07c).
    """
    for start in range(0, len(order), size):
        yield order.slice(start, size).to_pylist()


def _keyed(
    column: pa.ChunkedArray, key: Callable[[Mapping[str, str]], str], name: str
) -> tuple[pa.Array, pa.Array]:
    """`key` of every value of a request column, computed once per distinct value, as codes into the
    distinct keys (standardise.table.coded)."""
    return coded(column, lambda v: key({name: v}))


def _caseloads(requests: RequestFile) -> dict[str, set[str]]:
    """Each official's case numbers in the whole batch: batch_checks.caseloads itself for a few rows,
    found on the columns for more."""
    if len(requests) <= combinations.FEW_ROWS:
        return batch_checks.caseloads(requests.rows)
    return _caseloads_by_columns(requests)


def _caseloads_by_columns(requests: RequestFile) -> dict[str, set[str]]:
    """batch_checks.caseloads from the batch's columns: the distinct pairs are found on the codes, and
    only they are read back as text."""
    official, officials = _keyed(requests.column("official_name"), batch_checks.official_key, "official_name")
    case, cases_named = _keyed(requests.column("case_number"), batch_checks.case_key, "case_number")
    pairs = pa.table({"official": official, "case": case})
    if (blank := pc.index(officials, "").as_py()) >= 0:  # rows naming no official count for nobody
        pairs = pairs.filter(pc.not_equal(pairs["official"], blank))
    distinct = pairs.group_by(["official", "case"]).aggregate([])
    cases: dict[str, set[str]] = defaultdict(set)
    for who, what in zip(
        pc.take(officials, distinct["official"]).to_pylist(),
        pc.take(cases_named, distinct["case"]).to_pylist(),
        strict=True,
    ):
        cases[who].add(what)
    return dict(cases)


def overloaded(ctx: Context, requests: RequestFile, now: dt.datetime) -> frozenset[str]:
    """The officials whose caseload, this batch's and what they asked within the window, is implausible."""
    cases = _caseloads(requests)
    since = now - dt.timedelta(days=ctx.agreement.caseload_window_days)
    counts = decisions.case_counts(ctx.engine, cases, since)
    needed = batch_checks.unsettled(cases, ctx.agreement, counts)  # only officials near the cap: their cases
    earlier = decisions.caseloads(ctx.engine, needed, since)
    return batch_checks.overloaded(cases, ctx.agreement, earlier, counts)
