"""Reason codes: the closed, stable vocabulary that explains every outcome.

These strings are part of the contract with the requesting agency and the
courts. A code is never renamed or reused; a new code is added at the end of
its group. ``docs/reason-codes.md`` is generated from this module and a test
checks that it is in step.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from functools import lru_cache


class Outcome(StrEnum):
    """The four answers a request row can get."""

    VERIFIED = "VERIFIED"
    NO_MATCH = "NO_MATCH"
    REVIEW = "REVIEW"
    REJECTED = "REJECTED"


class Reason(StrEnum):
    """Why a row got its outcome. The value is the stable wire string."""

    # REJECTED: the request is legally insufficient (rule 1).
    FIELD_INVALID = "FIELD_INVALID"
    STATUTE_NOT_AUTHORISED = "STATUTE_NOT_AUTHORISED"
    PERIOD_INVALID = "PERIOD_INVALID"
    PERIOD_OUT_OF_WINDOW = "PERIOD_OUT_OF_WINDOW"
    REASON_MISSING = "REASON_MISSING"
    CASE_NUMBER_MISSING = "CASE_NUMBER_MISSING"
    OFFICIAL_MISSING = "OFFICIAL_MISSING"
    CASELOAD_IMPLAUSIBLE = "CASELOAD_IMPLAUSIBLE"
    DUPLICATE_REQUEST = "DUPLICATE_REQUEST"
    NAME_MISSING = "NAME_MISSING"
    TIN_MALFORMED = "TIN_MALFORMED"
    DOB_MALFORMED = "DOB_MALFORMED"
    ADDRESS_PLACEHOLDER = "ADDRESS_PLACEHOLDER"
    ADDRESS_NO_HOUSE_NUMBER = "ADDRESS_NO_HOUSE_NUMBER"
    ADDRESS_NO_STREET = "ADDRESS_NO_STREET"
    ADDRESS_NO_LOCALITY = "ADDRESS_NO_LOCALITY"
    STATE_INVALID = "STATE_INVALID"
    ZIP_INVALID = "ZIP_INVALID"
    # NO_MATCH: lawful request, but no taxpayer matches it (rule 2).
    NO_CANDIDATE = "NO_CANDIDATE"
    NO_NAME_ADDRESS_MATCH = "NO_NAME_ADDRESS_MATCH"
    ADDRESS_NOT_ON_FILE = "ADDRESS_NOT_ON_FILE"
    TIN_MISMATCH = "TIN_MISMATCH"
    TIN_OTHER_PERSON = "TIN_OTHER_PERSON"
    DOB_MISMATCH = "DOB_MISMATCH"
    REVIEWER_REJECTED = "REVIEWER_REJECTED"
    WITHHELD_6103I6 = "WITHHELD_6103I6"
    # REVIEW: held for a human; nothing disclosed (rules 3 and 4).
    BELOW_THRESHOLD = "BELOW_THRESHOLD"
    AMBIGUOUS_CANDIDATES = "AMBIGUOUS_CANDIDATES"
    NAMESAKE_AT_ADDRESS = "NAMESAKE_AT_ADDRESS"
    AGREEMENT_NOT_IN_FORCE = "AGREEMENT_NOT_IN_FORCE"
    RECIPIENT_SAFEGUARDS_OPEN = "RECIPIENT_SAFEGUARDS_OPEN"
    IDENTIFIER_NEAR_MISS = "IDENTIFIER_NEAR_MISS"
    GIVEN_NAME_DIFFERS = "GIVEN_NAME_DIFFERS"
    # VERIFIED: why the disclosure was allowed.
    MATCH_NAME_ADDRESS = "MATCH_NAME_ADDRESS"
    MATCH_TIN_CONFIRMED = "MATCH_TIN_CONFIRMED"
    MATCH_DOB_CONFIRMED = "MATCH_DOB_CONFIRMED"
    REVIEWER_CONFIRMED = "REVIEWER_CONFIRMED"
    # Informational: beside any outcome, never the cause of it.
    TIN_MALFORMED_IGNORED = "TIN_MALFORMED_IGNORED"
    DOB_MALFORMED_IGNORED = "DOB_MALFORMED_IGNORED"


OUTCOME_OF: dict[Reason, Outcome] = {}
DESCRIPTION: dict[Reason, str] = {}
# Codes that accompany an outcome without deciding it: an optional identifier given malformed is not a
# legal defect of the request (issue 14); the row goes on as if it were absent, and says so.
INFORMATIONAL: dict[Reason, str] = {
    Reason.TIN_MALFORMED_IGNORED: (
        "The TIN given is not a structurally valid SSN or ITIN. A TIN is optional: the row was answered "
        "as if none were given, so it confirmed nothing."
    ),
    Reason.DOB_MALFORMED_IGNORED: (
        "The date of birth given is not a real past date. It is optional: the row was answered as if "
        "none were given, so it confirmed nothing."
    ),
}


def _describe(outcome: Outcome, table: dict[Reason, str]) -> None:
    for code, text in table.items():
        OUTCOME_OF[code] = outcome
        DESCRIPTION[code] = text


_describe(
    Outcome.REJECTED,
    {
        Reason.FIELD_INVALID: "A field holds control characters or exceeds the length limit.",
        Reason.STATUTE_NOT_AUTHORISED: "The statute is not one the agreement designates.",
        Reason.PERIOD_INVALID: "Taxable periods are missing or not `;`-separated four-digit years.",
        Reason.PERIOD_OUT_OF_WINDOW: "A taxable period is in the future or before the agreement's window.",
        Reason.REASON_MISSING: "The specific reason the information is relevant is missing.",
        Reason.CASE_NUMBER_MISSING: "The case number of the investigation is missing.",
        Reason.OFFICIAL_MISSING: "The receiving official's name or title is missing.",
        Reason.CASELOAD_IMPLAUSIBLE: (
            "The official is named in more cases than the agreement's cap; they cannot be "
            "personally and directly engaged in each, so all their rows are rejected."
        ),
        Reason.DUPLICATE_REQUEST: "An earlier row in the batch asks about the same person for the same case.",
        Reason.NAME_MISSING: "The first or last name is missing or has no letters.",
        Reason.TIN_MALFORMED: (
            "No longer given (since 0.3: see TIN_MALFORMED_IGNORED). The TIN given was not a "
            "structurally valid SSN or ITIN."
        ),
        Reason.DOB_MALFORMED: (
            "No longer given (since 0.3: see DOB_MALFORMED_IGNORED). The date of birth given was not a "
            "real past date."
        ),
        Reason.ADDRESS_PLACEHOLDER: "The street field is a placeholder (UNKNOWN, N/A, a ZIP code alone...).",
        Reason.ADDRESS_NO_HOUSE_NUMBER: "The street address has no house number.",
        Reason.ADDRESS_NO_STREET: "The street address has no street name.",
        Reason.ADDRESS_NO_LOCALITY: "Neither a city and state nor a ZIP code locate the address.",
        Reason.STATE_INVALID: "The state is not a USPS state or territory code.",
        Reason.ZIP_INVALID: "The ZIP code is not 5 digits or ZIP+4.",
    },
)
_describe(
    Outcome.NO_MATCH,
    {
        Reason.NO_CANDIDATE: "No taxpayer on file matches the name given.",
        Reason.NO_NAME_ADDRESS_MATCH: (
            "Internal only. Taxpayers were found and scored as candidates (similar names, the same street "
            "or ZIP), but none matches on both the name and the requester's address, and no TIN given "
            "belongs to one. The requester reads `NO_CANDIDATE`: whether taxpayers with similar names "
            "exist is itself return information."
        ),
        Reason.ADDRESS_NOT_ON_FILE: (
            "A taxpayer matches the name (and TIN, if given) but the requester's address is not "
            "one the agency holds for them. A TIN never substitutes for the address."
        ),
        Reason.TIN_MISMATCH: "The taxpayer matching name and address has a different TIN from the one given.",
        Reason.TIN_OTHER_PERSON: "The TIN given belongs to a taxpayer whose name does not match the request.",
        Reason.DOB_MISMATCH: "The taxpayer matching name and address has a different date of birth.",
        Reason.REVIEWER_REJECTED: (
            "The row was held for review and a reviewer, giving a reason on record, found no match."
        ),
        Reason.WITHHELD_6103I6: (
            "Internal only. The match is withheld under IRC 6103(i)(6): the taxpayer is on the disclosure "
            "office's protected list. The requester's result reads as an ordinary no-match (`NO_MATCH`, "
            "`NO_CANDIDATE`), because answering 'withheld' would itself disclose that a tax investigation "
            "or an informant exists."
        ),
    },
)
_describe(
    Outcome.REVIEW,
    {
        Reason.BELOW_THRESHOLD: (
            "One candidate matches, but its probability is under the agreement's threshold."
        ),
        Reason.AMBIGUOUS_CANDIDATES: "A second taxpayer scores within the agreement's ambiguity margin.",
        Reason.NAMESAKE_AT_ADDRESS: (
            "Two taxpayers with the same name live at the address (Jr/Sr, relatives) and the "
            "request does not tell them apart."
        ),
        Reason.AGREEMENT_NOT_IN_FORCE: "The agreement is not in force today; nothing may be disclosed.",
        Reason.RECIPIENT_SAFEGUARDS_OPEN: (
            "The recipient has open safeguard findings without a corrective action plan."
        ),
        Reason.IDENTIFIER_NEAR_MISS: (
            "Name and address match, but the TIN or date of birth given is one character off or has day "
            "and month swapped; a reviewer decides."
        ),
        Reason.GIVEN_NAME_DIFFERS: (
            "The TIN given, the surname and the address agree with one taxpayer, but the given name does "
            "not (a form of the name the tables do not know, or someone else using the TIN); never "
            "disclosed without a reviewer."
        ),
    },
)
_describe(
    Outcome.VERIFIED,
    {
        Reason.MATCH_NAME_ADDRESS: "Exactly one taxpayer matches on name and on the requester's address.",
        Reason.MATCH_TIN_CONFIRMED: "The TIN given agrees with the matched taxpayer.",
        Reason.MATCH_DOB_CONFIRMED: "The date of birth given agrees with the matched taxpayer.",
        Reason.REVIEWER_CONFIRMED: (
            "The row was held for review and a reviewer other than the submitter, giving a reason on "
            "record, confirmed the held taxpayer (who matches on name and on the requester's address)."
        ),
    },
)


DESCRIPTION.update(INFORMATIONAL)
_RANK: dict[str, int] = {code.value: i for i, code in enumerate(Reason)}
# What a requester is told of a withheld row: exactly what an ordinary no-match is told.
AS_REQUESTER_SEES: dict[Reason, tuple[Outcome, tuple[Reason, ...]]] = {
    Reason.WITHHELD_6103I6: (Outcome.NO_MATCH, (Reason.NO_CANDIDATE,)),
    Reason.NO_NAME_ADDRESS_MATCH: (Outcome.NO_MATCH, (Reason.NO_CANDIDATE,)),
}


def for_requester(outcome: Outcome, codes: tuple[Reason, ...]) -> tuple[Outcome, tuple[Reason, ...]]:
    """The outcome and codes the requester may see: internal-only codes replaced by their public face.

    Informational codes stay, so that a withheld row reads exactly as an ordinary
    no-match with the same identifiers given would.
    """
    notes = tuple(c for c in codes if c in INFORMATIONAL)
    for code in codes:
        if code in AS_REQUESTER_SEES:
            shown, face = AS_REQUESTER_SEES[code]
            return shown, face + notes
    return outcome, codes


def join(codes: Iterable[Reason]) -> str:
    """The wire form of a list of codes: `;`-separated, in enum order, no repeats."""
    return _joined(tuple(codes))


@lru_cache(maxsize=4096)  # two a row of a batch, of a few dozen distinct lists: 1.0 -> 0.2 µs a join
def _joined(codes: tuple[Reason, ...]) -> str:
    return ";".join(sorted({c.value for c in codes}, key=_RANK.__getitem__))


def markdown() -> str:
    """The reference page for docs/reason-codes.md, generated from the enum."""
    lines = [
        "# Reason codes",
        "",
        "Generated by `taxmatch reasons`; do not edit by hand. Codes are stable:",
        "none is ever renamed or reused, and a row's codes are `;`-separated.",
    ]
    for outcome in (Outcome.REJECTED, Outcome.NO_MATCH, Outcome.REVIEW, Outcome.VERIFIED):
        lines += ["", f"## {outcome.value}", "", "| code | meaning |", "|---|---|"]
        lines += [f"| `{c.value}` | {DESCRIPTION[c]} |" for c in Reason if OUTCOME_OF.get(c) is outcome]
    lines += ["", "## Informational (beside any outcome)", "", "| code | meaning |", "|---|---|"]
    lines += [f"| `{c.value}` | {text} |" for c, text in INFORMATIONAL.items()]
    return "\n".join(lines) + "\n"
