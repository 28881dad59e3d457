"""What a disclosure is before it has a place in the log: who asked, under what authority, about whom,
and the canonical JSON of the values that leave (interchange.md §3), one at a time or a column at a time.

The accounting ledger (ledger.py) places and chains these; a batch's accounting
(pipeline/accounting.py) and a service release (pipeline/release.py) shape them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from taxmatch import canonical
from taxmatch.agreement import Agreement
from taxmatch.interchange import DISCLOSED_COLUMNS

ASKED = ("request_id", "statute", "official_name", "official_title", "case_number")  # of the request row


@dataclass(frozen=True)
class Disclosure:
    """What is about to be disclosed, before it has a place in the chain."""

    batch_id: str
    request_id: str
    tin: str
    fields: str
    statute: str
    official_name: str
    official_title: str
    case_number: str
    recipient: str
    disclosed: str  # canonical JSON of the values that leave, column by column (interchange.md §3)

    @classmethod
    def of(
        cls,
        batch_id: str,
        request: Mapping[str, str],
        tin: str,
        agreement: Agreement,
        address: Sequence[str],
    ) -> Disclosure:
        """The disclosure of `tin`'s last known `address` in answer to this request row."""
        values = address or ("",) * len(DISCLOSED_COLUMNS)
        asked = {c: [request[c]] for c in ASKED}
        one = disclosures(
            batch_id,
            asked,
            [tin],
            agreement,
            {c: [v] for c, v in zip(DISCLOSED_COLUMNS, values, strict=True)},
        )
        return cls(**{k: str(v[0]) for k, v in one.items()})


Disclosures = Mapping[str, Sequence[str]]  # Disclosure's fields, a column each: many disclosures at once


def disclosures(
    batch_id: str, asked: Disclosures, tins: Sequence[str], agreement: Agreement, addresses: Disclosures
) -> dict[str, Sequence[str]]:
    """Disclosure.of for many rows, a column at a time: `asked` holds the request rows' columns (request
    id, statute, the official and the case), `addresses` the DISCLOSED_COLUMNS of what leaves."""
    count = len(tins)
    return {
        "batch_id": [batch_id] * count,
        "request_id": asked["request_id"],
        "tin": tins,
        "fields": [";".join(agreement.disclosable_fields)] * count,
        **{c: asked[c] for c in ASKED if c != "request_id"},
        "recipient": [agreement.recipient] * count,
        "disclosed": disclosed(addresses),
    }


def disclosed(addresses: Disclosures) -> list[str]:
    """The canonical JSON of each row's disclosed values (interchange.md §3), column by column."""
    return canonical.objects({c: addresses[c] for c in DISCLOSED_COLUMNS})
