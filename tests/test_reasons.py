from pathlib import Path

from taxmatch import reasons
from taxmatch.reasons import OUTCOME_OF, Outcome, Reason

DOC = Path(__file__).resolve().parents[1] / "docs" / "reason-codes.md"


def test_every_code_has_an_outcome_or_is_informational_and_has_a_description() -> None:
    for code in Reason:
        assert (code in OUTCOME_OF) != (code in reasons.INFORMATIONAL)
        assert reasons.DESCRIPTION[code].endswith(".")


def test_a_withheld_row_keeps_the_informational_codes_an_ordinary_no_match_would_show() -> None:
    ordinary = reasons.for_requester(Outcome.NO_MATCH, (Reason.NO_CANDIDATE, Reason.TIN_MALFORMED_IGNORED))
    withheld = reasons.for_requester(Outcome.NO_MATCH, (Reason.WITHHELD_6103I6, Reason.TIN_MALFORMED_IGNORED))
    assert withheld == ordinary


def test_codes_are_their_own_wire_strings() -> None:
    assert all(code.value == code.name for code in Reason)


def test_docs_page_is_generated_from_the_enum() -> None:
    assert DOC.read_text(encoding="utf-8") == reasons.markdown(), (
        "run: taxmatch reasons > docs/reason-codes.md"
    )


def test_every_code_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert all(f"`{code.value}`" in text for code in Reason)


def test_join_orders_and_dedupes() -> None:
    joined = reasons.join([Reason.ZIP_INVALID, Reason.STATUTE_NOT_AUTHORISED, Reason.ZIP_INVALID])
    assert joined == "STATUTE_NOT_AUTHORISED;ZIP_INVALID"


def test_verified_codes_are_only_match_codes() -> None:
    verified = {c for c, o in OUTCOME_OF.items() if o is Outcome.VERIFIED}
    assert verified == {
        Reason.MATCH_NAME_ADDRESS,
        Reason.MATCH_TIN_CONFIRMED,
        Reason.MATCH_DOB_CONFIRMED,
        Reason.REVIEWER_CONFIRMED,
    }
