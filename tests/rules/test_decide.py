from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from taxmatch.agreement import Agreement
from taxmatch.reasons import Outcome, Reason, for_requester
from taxmatch.rules import gate
from taxmatch.rules.decide import Authority, Candidate, decide
from taxmatch.rules.levels import Level, Levels
from tests.conftest import NOT_ADDRESSES, SIGNED, TODAY, request_row

OK = Authority(in_force_today=True, safeguards_in_good_standing=True)
LEVELS = [Level.EXACT, Level.FUZZY, Level.PARTIAL, Level.SIMILAR, Level.DISAGREE, Level.MISSING]


def cand(tin: str = "123456789", weight: float = 30.0, p: float = 0.9999999, **levels: str) -> Candidate:
    """A candidate, exact on name and address unless told; `tin_level` is the TIN's level."""
    base = {"name": "exact", "address": "exact", "tin": "missing", "dob": "missing", "suffix": "missing"}
    base.update({("tin" if k == "tin_level" else k): v for k, v in levels.items()})
    return Candidate(tin, weight, p, Levels(**{k: Level(v) for k, v in base.items()}))


def test_unique_strong_match_on_name_and_address_is_verified(terms: Agreement) -> None:
    d = decide([], [cand(), cand("987654321", weight=-5, p=0.01, name="disagree")], terms, OK)
    assert d.outcome is Outcome.VERIFIED
    assert d.reasons == (Reason.MATCH_NAME_ADDRESS,)
    assert d.chosen is not None and d.chosen.tin == "123456789"


def test_confirming_tin_and_dob_are_named(terms: Agreement) -> None:
    d = decide([], [cand(tin_level="exact", dob="exact")], terms, OK)
    assert d.reasons == (Reason.MATCH_NAME_ADDRESS, Reason.MATCH_TIN_CONFIRMED, Reason.MATCH_DOB_CONFIRMED)


def test_gate_reasons_reject_whatever_the_candidates(terms: Agreement) -> None:
    d = decide([Reason.STATUTE_NOT_AUTHORISED], [cand(tin_level="exact")], terms, OK)
    assert (d.outcome, d.reasons, d.chosen) == (Outcome.REJECTED, (Reason.STATUTE_NOT_AUTHORISED,), None)


def test_tin_match_with_another_address_is_never_disclosed(terms: Agreement) -> None:
    d = decide([], [cand(tin_level="exact", address="disagree")], terms, OK)
    assert (d.outcome, d.reasons) == (Outcome.NO_MATCH, (Reason.ADDRESS_NOT_ON_FILE,))


def test_tin_of_another_person(terms: Agreement) -> None:
    other = cand("555555555", weight=5, name="disagree", address="disagree", tin_level="exact")
    d = decide([], [other], terms, OK)
    assert (d.outcome, d.reasons) == (Outcome.NO_MATCH, (Reason.TIN_OTHER_PERSON,))
    right_person = cand(tin_level="disagree", weight=20)
    d = decide([], [right_person, other], terms, OK)
    assert (d.outcome, d.reasons) == (Outcome.NO_MATCH, (Reason.TIN_MISMATCH, Reason.TIN_OTHER_PERSON))


def test_a_name_two_slips_off_counts_only_when_tin_and_birth_date_both_confirm_it(terms: Agreement) -> None:
    confirmed = decide([], [cand(name="similar", tin_level="exact", dob="exact")], terms, OK)
    assert confirmed.outcome is Outcome.VERIFIED
    for tin, dob in [("exact", "missing"), ("missing", "exact"), ("missing", "missing")]:
        d = decide([], [cand(name="similar", tin_level=tin, dob=dob)], terms, OK)
        assert d.outcome is Outcome.NO_MATCH, (tin, dob)
    # The TIN holder named two slips off with no birth date to confirm it: someone else's TIN, as before.
    unconfirmed = decide([], [cand(name="similar", tin_level="exact")], terms, OK)
    assert unconfirmed.reasons == (Reason.TIN_OTHER_PERSON,)


def test_dob_disagreement_is_no_match(terms: Agreement) -> None:
    assert decide([], [cand(dob="disagree")], terms, OK).reasons == (Reason.DOB_MISMATCH,)


@pytest.mark.parametrize(
    "levels", [{"dob": "fuzzy"}, {"tin_level": "fuzzy"}, {"tin_level": "fuzzy", "dob": "exact"}]
)
def test_a_one_slip_identifier_goes_to_review(terms: Agreement, levels: dict[str, str]) -> None:
    d = decide([], [cand(**levels)], terms, OK)
    assert (d.outcome, d.reasons) == (Outcome.REVIEW, (Reason.IDENTIFIER_NEAR_MISS,))


def test_a_slip_beside_an_outright_disagreement_is_no_match(terms: Agreement) -> None:
    d = decide([], [cand(tin_level="fuzzy", dob="disagree")], terms, OK)
    assert d.outcome is Outcome.NO_MATCH


def test_no_candidates(terms: Agreement) -> None:
    d = decide([], [], terms, OK)
    assert (d.outcome, d.reasons, d.candidates) == (Outcome.NO_MATCH, (Reason.NO_CANDIDATE,), 0)


@pytest.mark.parametrize(
    "levels", [{"name": "disagree"}, {"address": "disagree"}, {"name": "partial", "address": "missing"}]
)
def test_candidates_that_match_neither_way_are_told_apart_inside_and_not_outside(
    terms: Agreement, levels: dict[str, str]
) -> None:
    """Issue 14: NO_CANDIDATE was also given when candidates were scored but none matched on name and
    address. Inside, the code says which; the requester still reads NO_CANDIDATE (existence of similar
    taxpayers is return information)."""
    d = decide([], [cand(weight=-3, p=0.1, **levels)], terms, OK)
    assert (d.outcome, d.reasons, d.candidates) == (Outcome.NO_MATCH, (Reason.NO_NAME_ADDRESS_MATCH,), 1)
    assert for_requester(d.outcome, d.reasons) == (Outcome.NO_MATCH, (Reason.NO_CANDIDATE,))


def test_namesakes_at_one_address_go_to_review(terms: Agreement) -> None:
    senior, junior = cand("111111111", weight=25.0), cand("222222222", weight=25.0)
    d = decide([], [senior, junior], terms, OK)
    assert (d.outcome, d.reasons) == (Outcome.REVIEW, (Reason.NAMESAKE_AT_ADDRESS,))


def test_a_suffix_or_tin_tells_namesakes_apart(terms: Agreement) -> None:
    junior = cand("222222222", weight=27.0, suffix="exact")
    senior = cand("111111111", weight=20.0, suffix="disagree")
    assert decide([], [senior, junior], terms, OK).chosen == junior
    by_tin = decide(
        [], [cand("111111111", tin_level="disagree"), cand("222222222", tin_level="exact")], terms, OK
    )
    assert (
        by_tin.outcome is Outcome.VERIFIED and by_tin.chosen is not None and by_tin.chosen.tin == "222222222"
    )


def test_a_suffix_that_agrees_outranks_one_missing_on_file(terms: Agreement) -> None:
    """Issue 14: `Jian Johnson Jr` asked; the son on file as Jr, the father at the address with no suffix.
    Both scored within the margin (a suffix is worth about a bit), so it was NAMESAKE_AT_ADDRESS."""
    son = cand("222222222", weight=26.0, suffix="exact")
    father = cand("111111111", weight=25.0, suffix="missing")
    d = decide([], [father, son], terms, OK)
    assert (d.outcome, d.chosen) == (Outcome.VERIFIED, son)
    both_suffixed = decide([], [cand("1" * 9, weight=26.0, suffix="exact"), son], terms, OK)
    assert both_suffixed.reasons == (Reason.NAMESAKE_AT_ADDRESS,)  # two Jrs: still a reviewer's
    no_suffix_given = decide([], [cand("1" * 9, weight=25.0), cand("2" * 9, weight=25.5)], terms, OK)
    assert no_suffix_given.reasons == (Reason.NAMESAKE_AT_ADDRESS,)


def test_a_tin_holder_whose_given_name_alone_differs_is_held_not_told_someone_else_s_tin(
    terms: Agreement,
) -> None:
    """Issue 14: `Margie` for `Margarita`: surname, TIN, date of birth and address exact, and the answer was
    NO_MATCH TIN_OTHER_PERSON. It is a reviewer's case, and never a disclosure by itself."""
    margarita = cand(name="disagree", surname="exact", tin_level="exact", dob="exact")
    d = decide([], [margarita], terms, OK)
    assert (d.outcome, d.reasons, d.held, d.chosen) == (
        Outcome.REVIEW,
        (Reason.GIVEN_NAME_DIFFERS,),
        margarita,
        None,
    )
    someone_else = cand(name="disagree", surname="disagree", tin_level="exact")
    assert decide([], [someone_else], terms, OK).reasons == (Reason.TIN_OTHER_PERSON,)
    no_tin = cand(name="disagree", surname="exact")
    assert decide([], [no_tin], terms, OK).outcome is Outcome.NO_MATCH  # a TIN must say who, or nothing
    other_dob = cand(name="disagree", surname="exact", tin_level="exact", dob="disagree")
    assert decide([], [other_dob], terms, OK).outcome is Outcome.NO_MATCH
    elsewhere = cand(name="disagree", surname="exact", tin_level="exact", address="disagree")
    assert decide([], [elsewhere], terms, OK).reasons == (Reason.TIN_OTHER_PERSON,)


def test_close_runner_up_is_ambiguous(terms: Agreement) -> None:
    d = decide([], [cand(weight=30), cand("222222222", weight=25, name="fuzzy")], terms, OK)
    assert d.reasons == (Reason.AMBIGUOUS_CANDIDATES,)
    far = decide(
        [],
        [cand(weight=30), cand("222222222", weight=30 - terms.ambiguity_margin_bits - 1, name="fuzzy")],
        terms,
        OK,
    )
    assert far.outcome is Outcome.VERIFIED


def test_weak_match_goes_to_review(terms: Agreement) -> None:
    d = decide([], [cand(p=terms.match_threshold - 1e-6)], terms, OK)
    assert (d.outcome, d.reasons) == (Outcome.REVIEW, (Reason.BELOW_THRESHOLD,))


def test_authority_must_hold_now(terms: Agreement) -> None:
    lapsed = decide([], [cand()], terms, Authority(in_force_today=False, safeguards_in_good_standing=False))
    assert (lapsed.outcome, lapsed.reasons) == (
        Outcome.REVIEW,
        (Reason.AGREEMENT_NOT_IN_FORCE, Reason.RECIPIENT_SAFEGUARDS_OPEN),
    )


def test_authority_follows_the_agreement(terms: Agreement) -> None:
    assert Authority.of(terms, TODAY) == OK
    assert not Authority.of(terms, terms.in_force_to.replace(year=terms.in_force_to.year + 1)).in_force_today
    open_findings = terms.model_copy(update={"recipient_safeguards": replace_safeguards(terms)})
    assert not Authority.of(open_findings, TODAY).safeguards_in_good_standing


def replace_safeguards(terms: Agreement) -> object:
    return terms.recipient_safeguards.model_copy(
        update={"open_findings": True, "corrective_action_plan": False}
    )


candidates = st.builds(
    Candidate,
    tin=st.from_regex(r"[0-9]{9}", fullmatch=True),
    match_weight=st.floats(-50, 80),
    match_probability=st.floats(0, 1),
    levels=st.builds(
        Levels,
        name=st.sampled_from(LEVELS),
        address=st.sampled_from(LEVELS),
        tin=st.sampled_from(LEVELS),
        dob=st.sampled_from(LEVELS),
        suffix=st.sampled_from([Level.EXACT, Level.DISAGREE, Level.MISSING]),
        surname=st.sampled_from(LEVELS),
    ),
)
not_an_address = st.one_of(
    st.sampled_from(NOT_ADDRESSES),
    st.from_regex(r"[0-9]{5}(-?[0-9]{4})?", fullmatch=True),
    st.from_regex(r"[A-Za-z ]{1,30}", fullmatch=True),
)


@settings(deadline=None)  # its first example loads the address parser's model
@given(
    line=not_an_address,
    tin=st.from_regex(r"[0-9]{3}-?[0-9]{2}-?[0-9]{4}", fullmatch=True),
    found=st.lists(candidates, max_size=4),
)
def test_no_request_without_a_street_address_is_ever_verified(
    terms: Agreement, line: str, tin: str, found: list[Candidate]
) -> None:
    row = request_row(street_address=line, unit="", tin=tin)
    gate_reasons = gate.check_row(row, terms, SIGNED, TODAY)
    assert decide(gate_reasons, found, terms, OK).outcome is not Outcome.VERIFIED


@given(found=st.lists(candidates, max_size=5))
def test_verified_only_on_name_address_and_agreeing_identifiers(
    terms: Agreement, found: list[Candidate]
) -> None:
    d = decide([], found, terms, OK)
    if d.outcome is Outcome.VERIFIED:
        assert d.chosen is not None
        chosen = d.chosen.levels
        named = chosen.name in {"exact", "fuzzy"} or (
            chosen.name == "similar" and chosen.tin == chosen.dob == "exact"
        )
        assert named and chosen.address in {"exact", "fuzzy"}
        assert chosen.tin in {"exact", "missing"} and chosen.dob in {"exact", "missing"}
        assert d.chosen.match_probability >= terms.match_threshold
    else:
        assert d.chosen is None


@given(found=st.lists(candidates, max_size=5))
def test_a_held_row_is_held_about_a_name_and_address_match(terms: Agreement, found: list[Candidate]) -> None:
    d = decide([], found, terms, OK)
    if d.outcome is Outcome.REVIEW:
        assert d.held is not None
        if d.reasons == (Reason.GIVEN_NAME_DIFFERS,):  # the only hold off a name match: TIN, surname, address
            assert d.held.levels.only_the_given_name_differs and d.held.levels.tin is Level.EXACT
        else:
            assert d.held.levels.on_name_and_address
        assert "disagree" not in {d.held.levels.tin, d.held.levels.dob}
        assert d.subject is d.held
    else:
        assert d.held is None


@given(found=st.lists(candidates, max_size=5, unique_by=lambda c: c.tin))
def test_decision_does_not_depend_on_candidate_order(terms: Agreement, found: list[Candidate]) -> None:
    assert decide([], found, terms, OK) == decide([], list(reversed(found)), terms, OK)


def test_candidate_is_frozen() -> None:
    with pytest.raises(AttributeError):
        cand().tin = "x"  # type: ignore[misc]
    assert replace(cand(), tin="1").tin == "1"


def test_a_protected_taxpayer_s_perfect_match_is_withheld(terms: Agreement) -> None:
    shielded = Authority(True, True, frozenset({"123456789"}))
    d = decide([], [cand(tin_level="exact", dob="exact")], terms, shielded)
    assert (d.outcome, d.reasons, d.chosen) == (Outcome.NO_MATCH, (Reason.WITHHELD_6103I6,), None)
    assert for_requester(d.outcome, d.reasons) == (Outcome.NO_MATCH, (Reason.NO_CANDIDATE,))
    assert decide([], [cand("987654321")], terms, shielded).outcome is Outcome.VERIFIED  # only that TIN


@given(found=st.lists(candidates, max_size=5))
def test_nothing_about_a_protected_taxpayer_is_ever_verified(
    terms: Agreement, found: list[Candidate]
) -> None:
    shielded = Authority(True, True, frozenset(c.tin for c in found))
    assert decide([], found, terms, shielded).outcome is not Outcome.VERIFIED


@pytest.mark.parametrize("note", [Reason.TIN_MALFORMED_IGNORED, Reason.DOB_MALFORMED_IGNORED])
def test_a_malformed_optional_identifier_is_answered_as_if_absent_and_says_so(
    terms: Agreement, note: Reason
) -> None:
    """Issue 14: 27 lawful FEBRL rows were REJECTED only because the optional date of birth was malformed
    (`1990-02-70`). It is not a legal defect: the row is matched without it, and the code says so."""
    d = decide([note], [cand()], terms, OK)
    assert (d.outcome, d.reasons) == (Outcome.VERIFIED, (Reason.MATCH_NAME_ADDRESS, note))
    rejected = decide([Reason.STATUTE_NOT_AUTHORISED, note], [cand()], terms, OK)
    assert (rejected.outcome, rejected.reasons) == (Outcome.REJECTED, (Reason.STATUTE_NOT_AUTHORISED, note))
    # A well-formed identifier that differs still blocks disclosure, as before.
    assert decide([], [cand(dob="disagree")], terms, OK).outcome is Outcome.NO_MATCH
