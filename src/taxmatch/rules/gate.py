"""Legal sufficiency (rule 1 of DESIGN.md): pure checks, one per legal element.

Batch checks return human-readable problems (any one rejects the whole file);
row checks return reason codes (any one rejects the row).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from taxmatch.agreement import Agreement
from taxmatch.interchange import REQUEST_COLUMNS, Manifest
from taxmatch.reasons import INFORMATIONAL, Reason
from taxmatch.standardise import addresses, identifiers, names

Row = Mapping[str, str]
# The control characters no field may hold, in a spelling both Python's re and Arrow's RE2 read.
CONTROL_CHARACTERS = r"[\x00-\x08\x0b-\x1f\x7f]"
_CONTROL = re.compile(CONTROL_CHARACTERS)
_YEAR = re.compile(r"^\d{4}$")
_LETTER = re.compile(r"[A-Z]")


@lru_cache(maxsize=1024)
def statute_key(text: str) -> str:
    """One spelling for a statute citation: '8 U.S.C. § 1253(a)(1)' -> '8USC1253(A)(1)'."""
    return re.sub(r"[^0-9A-Z()]", "", text.upper().replace("§", ""))


def check_manifest(manifest: Manifest, agreement: Agreement, file_sha256: str) -> list[str]:
    """Every reason the batch as a whole is legally insufficient (its integrity is `integrity`'s)."""
    problems = []
    if manifest.agreement_id != agreement.id:
        problems.append(f"agreement_id {manifest.agreement_id!r} is not this agreement ({agreement.id!r})")
    if manifest.requesting_agency != agreement.recipient:
        problems.append(
            f"requesting_agency {manifest.requesting_agency!r} is not the recipient {agreement.recipient!r}"
        )
    if manifest.signer_title not in agreement.signer_titles:
        problems.append(f"signer_title {manifest.signer_title!r} may not sign requests under this agreement")
    if not manifest.signer_name.strip():
        problems.append("signer_name is empty")
    if not agreement.in_force(manifest.signed_on):
        problems.append(f"the agreement is not in force on signed_on {manifest.signed_on.isoformat()}")
    if not manifest.attestation.strip():
        problems.append("the attestation is empty")
    return problems


def integrity(manifest: Manifest, file_sha256: str) -> str:
    """Why the manifest does not cover these bytes (both digests named); empty when it does."""
    claimed = manifest.request_file_sha256.strip().lower()
    if claimed == file_sha256:
        return ""
    return (
        f"the manifest's request_file_sha256 {claimed} does not match the file's SHA-256 digest {file_sha256}"
    )


@dataclass(frozen=True)
class Under:
    """What a row is checked under: the agreement, the date the batch was signed, and today."""

    agreement: Agreement
    signed_on: dt.date
    today: dt.date


def _fields(row: Row, under: Under) -> list[Reason]:
    values = [row.get(column, "") for column in REQUEST_COLUMNS]
    if max(map(len, values)) > under.agreement.max_field_length or _CONTROL.search("".join(values)):
        return [Reason.FIELD_INVALID]
    return []


def _statute(row: Row, under: Under) -> list[Reason]:
    allowed = {statute_key(s) for s in under.agreement.statutes}
    return [] if statute_key(row.get("statute", "")) in allowed else [Reason.STATUTE_NOT_AUTHORISED]


def _periods(row: Row, under: Under) -> list[Reason]:
    periods = [p.strip() for p in row.get("taxable_periods", "").split(";") if p.strip()]
    if not periods or not all(_YEAR.match(p) for p in periods):
        return [Reason.PERIOD_INVALID]
    low, high = under.agreement.period_window(under.signed_on)
    return [Reason.PERIOD_OUT_OF_WINDOW] if any(not low <= int(p) <= high for p in periods) else []


def _reason(row: Row, under: Under) -> list[Reason]:
    return [] if row.get("reason", "").strip() else [Reason.REASON_MISSING]


def _case(row: Row, under: Under) -> list[Reason]:
    return [] if row.get("case_number", "").strip() else [Reason.CASE_NUMBER_MISSING]


def _official(row: Row, under: Under) -> list[Reason]:
    if not row.get("official_name", "").strip() or not row.get("official_title", "").strip():
        return [Reason.OFFICIAL_MISSING]
    return []


def _name(row: Row, under: Under) -> list[Reason]:
    if not names.clean(row.get("first_name")) or not names.clean(row.get("last_name")):
        return [Reason.NAME_MISSING]
    return []


def _tin(row: Row, under: Under) -> list[Reason]:
    if row.get("tin", "").strip() and not identifiers.tin_type(row["tin"]):
        return [Reason.TIN_MALFORMED_IGNORED]  # optional: answered as if absent
    return []


def _dob(row: Row, under: Under) -> list[Reason]:
    if (
        row.get("date_of_birth", "").strip()
        and identifiers.birth_date(row["date_of_birth"], under.today) is None
    ):
        return [Reason.DOB_MALFORMED_IGNORED]
    return []


def _address(row: Row, under: Under) -> list[Reason]:
    return address_reasons(row)


@dataclass(frozen=True)
class RowCheck:
    """One legal element of a row: the columns it reads and the reasons it gives (in their order)."""

    columns: tuple[str, ...]
    reasons: Callable[[Row, Under], list[Reason]]


# Every check a row gets on its own, in the order its reasons are listed. Each reads only its columns,
# so a batch can run it once per distinct value of those (rules/gate_table.py), not once per row.
# The field check reads every column: a batch runs it on the columns themselves (gate_table.py).
FIELDS = RowCheck(REQUEST_COLUMNS, _fields)
ROW_CHECKS: tuple[RowCheck, ...] = (
    FIELDS,
    RowCheck(("statute",), _statute),
    RowCheck(("taxable_periods",), _periods),
    RowCheck(("reason",), _reason),
    RowCheck(("case_number",), _case),
    RowCheck(("official_name", "official_title"), _official),
    RowCheck(("first_name", "last_name"), _name),
    RowCheck(("tin",), _tin),
    RowCheck(("date_of_birth",), _dob),
    RowCheck(("street_address", "state", "zip", "city"), _address),
)


def address_reasons(row: Row) -> list[Reason]:
    """Why the row's address is not a real street address; empty when it is one.

    A house number and a street, plus a city and state or a ZIP. A placeholder,
    a PO box, or a ZIP code alone is never an address, whatever else the row holds.
    """
    line = row.get("street_address", "")
    parsed = addresses.street(line)
    reasons = []
    if parsed.placeholder or addresses.is_zip_only(line):
        reasons.append(Reason.ADDRESS_PLACEHOLDER)
    else:
        if not parsed.house_number:
            reasons.append(Reason.ADDRESS_NO_HOUSE_NUMBER)
        if not _LETTER.search(parsed.name):
            reasons.append(Reason.ADDRESS_NO_STREET)
    return reasons + _locality(row)


def _locality(row: Row) -> list[Reason]:
    """A ZIP, or a city and state, must place the address.

    A malformed state or ZIP is named only when nothing else places it; when
    something does, the malformed part is simply not used for matching.
    """
    state_text, zip_text = row.get("state", "").strip(), row.get("zip", "").strip()
    state_code, zip_code = addresses.state(state_text), addresses.zip5(zip_text)
    if zip_code or (addresses.city(row.get("city")) and state_code):
        return []
    malformed = [Reason.STATE_INVALID] if state_text and not state_code else []
    if zip_text and not zip_code:
        malformed.append(Reason.ZIP_INVALID)
    return malformed or [Reason.ADDRESS_NO_LOCALITY]


def lawful(reasons: Sequence[Reason]) -> bool:
    """Whether a row with these gate reasons may be matched: none of them is a legal defect (an
    informational note, such as a malformed optional identifier, is not one)."""
    return all(r in INFORMATIONAL for r in reasons)


def check_row(row: Row, agreement: Agreement, signed_on: dt.date, today: dt.date) -> list[Reason]:
    """Every legal element this row fails on its own (batch context aside)."""
    under = Under(agreement, signed_on, today)
    return [reason for check in ROW_CHECKS for reason in check.reasons(row, under)]
