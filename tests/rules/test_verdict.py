"""The reviewer's rule: exhaustive over held reasons, levels and authority."""

from __future__ import annotations

import itertools

import pytest

from taxmatch.errors import Conflict
from taxmatch.reasons import OUTCOME_OF, Outcome, Reason
from taxmatch.rules.decide import Authority
from taxmatch.rules.verdict import CONFIRMABLE, Held, Verdict, settle

OK = Authority(in_force_today=True, safeguards_in_good_standing=True)
NOTE = "Checked the case file: the Jr is 12 years old."
GOOD = {
    "name_agreement": "exact",
    "address_agreement": "fuzzy",
    "tin_agreement": "fuzzy",
    "dob_agreement": "",
}
HELD_REASONS = [r for r in Reason if OUTCOME_OF.get(r) is Outcome.REVIEW]
LEVELS = ["exact", "fuzzy", "partial", "disagree", "missing", ""]


# Held because only the given name differs: the TIN, surname and address agree, the name does not.
NAME_DIFFERS = {"name_agreement": "disagree", "address_agreement": "exact", "tin_agreement": "exact"}


def test_a_confirmable_row_becomes_a_disclosure() -> None:
    for reason in CONFIRMABLE:
        levels = NAME_DIFFERS if reason is Reason.GIVEN_NAME_DIFFERS else GOOD
        outcome, reasons = settle(Held.stored((reason,), "123456789", levels), Verdict.CONFIRM, NOTE, OK)
        assert outcome is Outcome.VERIFIED
        assert all(OUTCOME_OF[r] is Outcome.VERIFIED for r in reasons)


def test_any_row_may_be_rejected() -> None:
    for reason in HELD_REASONS:
        held = Held.stored((reason,), None, {})
        assert settle(held, Verdict.REJECT, NOTE, OK) == (Outcome.NO_MATCH, (Reason.REVIEWER_REJECTED,))


@pytest.mark.parametrize("reason", [r for r in HELD_REASONS if r not in CONFIRMABLE])
def test_facts_of_the_agreement_are_never_overridden(reason: Reason) -> None:
    with pytest.raises(Conflict, match="no reviewer can settle"):
        settle(Held.stored((reason,), "123456789", GOOD), Verdict.CONFIRM, NOTE, OK)


@pytest.mark.parametrize(
    "authority", [Authority(False, True), Authority(True, False), Authority(False, False)]
)
def test_nothing_is_confirmed_without_authority_today(authority: Authority) -> None:
    with pytest.raises(Conflict, match="cannot be confirmed"):
        settle(Held.stored((Reason.BELOW_THRESHOLD,), "123456789", GOOD), Verdict.CONFIRM, NOTE, authority)


def test_confirmation_needs_name_address_and_no_disagreeing_identifier() -> None:
    for name, address, tin, dob in itertools.product(LEVELS, repeat=4):
        levels = {
            "name_agreement": name,
            "address_agreement": address,
            "tin_agreement": tin,
            "dob_agreement": dob,
        }
        held = Held.stored((Reason.AMBIGUOUS_CANDIDATES,), "123456789", levels)
        lawful = name in {"exact", "fuzzy"} and address in {"exact", "fuzzy"} and "disagree" not in {tin, dob}
        if lawful:
            assert settle(held, Verdict.CONFIRM, NOTE, OK)[0] is Outcome.VERIFIED
        else:
            with pytest.raises(Conflict):
                settle(held, Verdict.CONFIRM, NOTE, OK)


def test_a_given_name_the_reviewer_judges_still_needs_the_address_and_the_tin() -> None:
    """Issue 14: a reviewer may confirm `Margie` for `Margarita`, never a TIN alone or another address."""
    for address, tin, dob in itertools.product(LEVELS, repeat=3):
        levels = {**NAME_DIFFERS, "address_agreement": address, "tin_agreement": tin, "dob_agreement": dob}
        held = Held.stored((Reason.GIVEN_NAME_DIFFERS,), "123456789", levels)
        if address in {"exact", "fuzzy"} and tin == "exact" and dob != "disagree":
            assert settle(held, Verdict.CONFIRM, NOTE, OK)[0] is Outcome.VERIFIED
        else:
            with pytest.raises(Conflict):
                settle(held, Verdict.CONFIRM, NOTE, OK)


def test_no_held_taxpayer_cannot_be_confirmed() -> None:
    with pytest.raises(Conflict, match="no taxpayer"):
        settle(Held.stored((Reason.BELOW_THRESHOLD,), None, GOOD), Verdict.CONFIRM, NOTE, OK)


@pytest.mark.parametrize("note", ["", "   ", "ok", "x" * 9])
def test_every_verdict_needs_a_reason_on_record(note: str) -> None:
    for verdict in Verdict:
        with pytest.raises(Conflict, match="reason on record"):
            settle(Held.stored((Reason.BELOW_THRESHOLD,), "123456789", GOOD), verdict, note, OK)


def test_a_confirmation_of_a_protected_taxpayer_discloses_nothing() -> None:
    shielded = Authority(True, True, frozenset({"123456789"}))
    held = Held.stored((Reason.NAMESAKE_AT_ADDRESS,), "123456789", GOOD)
    assert settle(held, Verdict.CONFIRM, NOTE, shielded) == (Outcome.NO_MATCH, (Reason.WITHHELD_6103I6,))
    assert settle(held, Verdict.REJECT, NOTE, shielded) == (Outcome.NO_MATCH, (Reason.REVIEWER_REJECTED,))
