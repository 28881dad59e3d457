"""The checks that need the whole batch (rule 1 of DESIGN.md, continued): a person asked about twice,
and an official whose caseload is implausible. Pure, like the row checks of gate.py; a batch answered
in chunks settles them over the whole file first (pipeline/chunking.py).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence, Set

from taxmatch.agreement import Agreement
from taxmatch.reasons import Reason
from taxmatch.rules.gate import Row
from taxmatch.standardise import addresses, identifiers, names


def case_key(row: Row) -> str:
    return _case_text(row.get("case_number", ""))


def _case_text(value: str) -> str:
    return value.strip().upper()


def _surname_text(value: str) -> str:
    return names.surname(value).text


# What names the person a row asks about (DUPLICATE_REQUEST), field by field, each with its own
# normalisation; the street's text completes it (person_key). A batch's rows are told apart by these
# fields first, a column at a time, so that only rows sharing them have their street parsed
# (pipeline/chunking.repeated).
PERSON_FIELDS: tuple[tuple[str, Callable[[str], str]], ...] = (
    ("case_number", _case_text),
    ("first_name", names.clean),
    ("last_name", _surname_text),
    ("tin", identifiers.tin_digits),
    ("date_of_birth", str.strip),
)


def person_key(row: Row) -> tuple[str, ...]:
    fields = (normalise(row.get(column, "")) for column, normalise in PERSON_FIELDS)
    # The street's text leaves the unit out, so the line alone gives it, and hits the parse that
    # address_reasons and standardisation make of the same line (parsed twice, it cost ~2 s per 100k).
    return (*fields, addresses.street(row.get("street_address")).text)


def official_key(row: Row) -> str:
    """One spelling of the official a row names, for counting that official's cases."""
    return " ".join(row.get("official_name", "").upper().split())


def overloaded(
    cases: Mapping[str, Set[str]],
    agreement: Agreement,
    earlier: Mapping[str, Set[str]] | None = None,
    counts: Mapping[str, int] | None = None,
) -> frozenset[str]:
    """The officials whose caseload is implausible: more distinct case numbers than the agreement's cap.

    `cases` holds each official's case numbers in this batch; `earlier` those from
    requests already answered within the agreement's caseload window, so that a
    caseload cannot be spread over many small batches or interactive calls to stay
    under the cap. An official's earlier cases may be given as a number alone
    (`counts`) wherever that settles it (see `unsettled`): the store then never
    sends every case number it holds.
    """
    before, numbers = earlier or {}, counts or {}
    found = set()
    for official, now in cases.items():
        if official in before:
            total = len(now | before[official])
        elif _settled(len(now), numbers.get(official, 0), agreement.caseload_cap):
            total = max(len(now), numbers.get(official, 0))  # over the cap, or at most the cap
        else:
            raise ValueError(f"the earlier cases of {official!r} are needed, not only their number")
        if total > agreement.caseload_cap:
            found.add(official)
    return frozenset(found)


def _settled(in_batch: int, before: int, cap: int) -> bool:
    """Whether the numbers alone decide: the union is at least the larger and at most the sum."""
    return max(in_batch, before) > cap or in_batch + before <= cap


def unsettled(cases: Mapping[str, Set[str]], agreement: Agreement, counts: Mapping[str, int]) -> set[str]:
    """The officials whose earlier case numbers themselves are needed (only those near the cap)."""
    cap = agreement.caseload_cap
    return {o for o, now in cases.items() if not _settled(len(now), counts.get(o, 0), cap)}


class Duplicates:
    """The people a batch has asked about so far, so that a later row asking again is a duplicate.

    The first row asking about a person stands, in file order, whatever order the
    batch is then answered in, so the flags are made in one pass over the file: a
    16-byte digest per person is kept, not the row (7.6M rows hold about 0.7 GB
    of digests, against several GB of keys).
    """

    def __init__(self) -> None:
        self._seen: set[bytes] = set()

    def repeated(self, row: Row) -> bool:
        """Whether an earlier row asked about the same person; this row is remembered."""
        key = hashlib.blake2b("\x1f".join(person_key(row)).encode(), digest_size=16).digest()
        if key in self._seen:
            return True
        self._seen.add(key)
        return False

    def flags(self, rows: Sequence[Row]) -> list[bool]:
        """`repeated` for each of these rows, the next ones in file order."""
        return [self.repeated(row) for row in rows]


CHUNK_COLUMNS = ("official_name",)  # all that check_chunk reads of a row: the rest is carried in


def check_chunk(
    rows: Sequence[Row], overloaded: Set[str], repeated: Sequence[bool]
) -> dict[int, list[Reason]]:
    """Reasons that need the whole batch, for some of its rows: duplicates and implausible caseloads.

    `overloaded`: the officials `overloaded` names for the whole batch; `repeated`:
    each row's Duplicates flag, made over the whole file in its order. Of each row only its
    CHUNK_COLUMNS are read (a second process sends no more of them).
    """
    found: dict[int, list[Reason]] = defaultdict(list)
    for index, (row, again) in enumerate(zip(rows, repeated, strict=True)):
        if again:
            found[index].append(Reason.DUPLICATE_REQUEST)
        if overloaded and official_key(row) in overloaded:
            found[index].append(Reason.CASELOAD_IMPLAUSIBLE)
    return dict(found)


def caseloads(rows: Sequence[Row]) -> dict[str, set[str]]:
    """Each official's case numbers among these rows."""
    cases: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        official = official_key(row)
        if official:
            cases[official].add(case_key(row))
    return dict(cases)


def check_batch(
    rows: Sequence[Row], agreement: Agreement, earlier: Mapping[str, Set[str]] | None = None
) -> dict[int, list[Reason]]:
    """Reasons that need the whole batch, for a batch held whole (see check_chunk for one in chunks)."""
    return check_chunk(rows, overloaded(caseloads(rows), agreement, earlier), Duplicates().flags(rows))
