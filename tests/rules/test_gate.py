import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from taxmatch import agreement
from taxmatch.agreement import Agreement
from taxmatch.interchange import Manifest
from taxmatch.reasons import Reason
from taxmatch.rules import batch_checks, gate
from tests.conftest import NOT_ADDRESSES, SIGNED, TODAY, request_row

_TERMS = agreement.load()


def reasons(terms: Agreement, **overrides: str) -> list[Reason]:
    return gate.check_row(request_row(**overrides), terms, SIGNED, TODAY)


def test_a_lawful_row_passes(terms: Agreement) -> None:
    assert reasons(terms) == []


@pytest.mark.parametrize(
    "statute", ["8 U.S.C. 1253(a)(1)", "8 USC 1253(a)(1)", "8 U.S.C. § 1253(a)(1)", "8 u.s.c. 1253(A)(1)"]
)
def test_usual_spellings_of_the_statute_are_accepted(terms: Agreement, statute: str) -> None:
    assert reasons(terms, statute=statute) == []


@pytest.mark.parametrize("statute", ["18 U.S.C. 1001", "8 U.S.C. 1253", "", "8 U.S.C. 1253(a)(2)"])
def test_other_statutes_are_not_authorised(terms: Agreement, statute: str) -> None:
    assert reasons(terms, statute=statute) == [Reason.STATUTE_NOT_AUTHORISED]


@pytest.mark.parametrize(
    ("periods", "code"),
    [
        ("2031", Reason.PERIOD_OUT_OF_WINDOW),
        ("2019", Reason.PERIOD_OUT_OF_WINDOW),
        ("2020;2026", None),
        ("", Reason.PERIOD_INVALID),
        ("FY24", Reason.PERIOD_INVALID),
        ("2023,2024", Reason.PERIOD_INVALID),
    ],
)
def test_taxable_periods_window(terms: Agreement, periods: str, code: Reason | None) -> None:
    assert reasons(terms, taxable_periods=periods) == ([code] if code else [])


@pytest.mark.parametrize(
    ("field", "code"),
    [
        ("reason", Reason.REASON_MISSING),
        ("case_number", Reason.CASE_NUMBER_MISSING),
        ("official_name", Reason.OFFICIAL_MISSING),
        ("official_title", Reason.OFFICIAL_MISSING),
        ("first_name", Reason.NAME_MISSING),
        ("last_name", Reason.NAME_MISSING),
    ],
)
def test_missing_elements(terms: Agreement, field: str, code: Reason) -> None:
    assert reasons(terms, **{field: "  "}) == [code]


def test_tin_and_dob_when_given_must_be_well_formed(terms: Agreement) -> None:
    assert reasons(terms, tin="000-12-3456") == [Reason.TIN_MALFORMED_IGNORED]
    assert reasons(terms, tin="123-45-6789") == []
    assert reasons(terms, date_of_birth="1980-13-01") == [Reason.DOB_MALFORMED_IGNORED]


@pytest.mark.parametrize("line", NOT_ADDRESSES)
def test_placeholder_addresses_are_rejected_whatever_the_tin(terms: Agreement, line: str) -> None:
    got = reasons(terms, street_address=line, tin="123-45-6789")
    assert Reason.ADDRESS_PLACEHOLDER in got or Reason.ADDRESS_NO_HOUSE_NUMBER in got


def test_address_needs_a_house_number_and_a_street(terms: Agreement) -> None:
    assert reasons(terms, street_address="Main Street") == [Reason.ADDRESS_NO_HOUSE_NUMBER]
    assert reasons(terms, street_address="45 Apt 3", unit="") == [Reason.ADDRESS_NO_STREET]


def test_address_needs_city_and_state_or_a_zip(terms: Agreement) -> None:
    assert reasons(terms, city="", state="") == []
    assert reasons(terms, zip="") == []
    assert reasons(terms, zip="", city="") == [Reason.ADDRESS_NO_LOCALITY]
    assert reasons(terms, zip="6270", city="") == [Reason.ZIP_INVALID]
    assert reasons(terms, state="ZZ", zip="") == [Reason.STATE_INVALID]


def test_a_malformed_state_or_zip_is_not_needed_when_the_other_places_the_address(terms: Agreement) -> None:
    assert reasons(terms, zip="6270") == []
    assert reasons(terms, state="ZZ") == []
    assert reasons(terms, state="ZZ", zip="6270") == [Reason.STATE_INVALID, Reason.ZIP_INVALID]


def test_hostile_fields_are_invalid(terms: Agreement) -> None:
    assert reasons(terms, reason="x" * 10_000) == [Reason.FIELD_INVALID]
    assert reasons(terms, last_name="Smith\x07") == [Reason.FIELD_INVALID]


def test_duplicates_of_the_same_person_and_case(terms: Agreement) -> None:
    rows = [
        request_row(request_id="1"),
        request_row(request_id="2", street_address="45 West Main St"),
        request_row(request_id="3", case_number="OTHER"),
    ]
    assert batch_checks.check_batch(rows, terms) == {1: [Reason.DUPLICATE_REQUEST]}


def test_an_official_over_the_caseload_cap_loses_every_row(terms: Agreement) -> None:
    rows = [
        request_row(request_id=str(i), case_number=f"C{i}", last_name=f"Name{chr(65 + i % 26)}")
        for i in range(terms.caseload_cap + 1)
    ]
    rows.append(request_row(request_id="other", official_name="Officer 0002"))
    found = batch_checks.check_batch(rows, terms)
    assert all(found[i] == [Reason.CASELOAD_IMPLAUSIBLE] for i in range(terms.caseload_cap + 1))
    assert len(rows) - 1 not in found


def test_at_the_cap_is_still_plausible(terms: Agreement) -> None:
    rows = [request_row(request_id=str(i), case_number=f"C{i}") for i in range(terms.caseload_cap)]
    assert batch_checks.check_batch(rows, terms) == {}


def test_cases_answered_earlier_count_towards_the_cap(terms: Agreement) -> None:
    rows = [request_row(request_id="new", case_number="C-NEW")]
    official = batch_checks.official_key(rows[0])
    earlier = {f"C{i}" for i in range(terms.caseload_cap)}
    assert batch_checks.check_batch(rows, terms, {official: earlier}) == {0: [Reason.CASELOAD_IMPLAUSIBLE]}
    # The same cases asked about again are not new cases, and other officials' cases do not count.
    again = [request_row(request_id="again", case_number="c1")]
    assert batch_checks.check_batch(again, terms, {official: earlier}) == {}
    assert batch_checks.check_batch(rows, terms, {"SOMEONE ELSE": earlier | {"X"}}) == {}


def test_official_spelling_does_not_split_a_caseload() -> None:
    spaced = request_row(official_name="  jane   q.  officer ")
    assert batch_checks.official_key(spaced) == batch_checks.official_key(
        request_row(official_name="JANE Q. OFFICER")
    )


def manifest(**overrides: object) -> Manifest:
    fields: dict[str, object] = {
        "agreement_id": "IRS-DHS-2025-04",
        "requesting_agency": "DHS/ICE",
        "signer_name": "A. Signer",
        "signer_title": "Secretary of Homeland Security",
        "signed_on": SIGNED,
        "attestation": "Solely for it.",
        "request_file_sha256": "ab" * 32,
    }
    fields.update(overrides)
    return Manifest(**fields)  # type: ignore[arg-type]


def test_a_complete_manifest_passes(terms: Agreement) -> None:
    assert gate.check_manifest(manifest(), terms, "ab" * 32) == []


def test_a_manifest_covers_only_the_bytes_it_names() -> None:
    assert gate.integrity(manifest(), "ab" * 32) == ""
    assert gate.integrity(manifest(request_file_sha256="AB" * 32), "ab" * 32) == ""
    broken = gate.integrity(manifest(request_file_sha256="cd" * 32), "ab" * 32)
    assert "cd" * 32 in broken and "ab" * 32 in broken


def test_the_digest_is_an_integrity_failure_not_a_legal_defect(terms: Agreement) -> None:
    assert gate.check_manifest(manifest(request_file_sha256="cd" * 32), terms, "ab" * 32) == []


@pytest.mark.parametrize(
    ("overrides", "needle"),
    [
        ({"signer_title": "Assistant Director"}, "may not sign"),
        ({"signed_on": dt.date(2025, 4, 6)}, "not in force"),
        ({"signed_on": dt.date(2027, 4, 7)}, "not in force"),
        ({"attestation": " "}, "attestation"),
        ({"agreement_id": "OTHER"}, "agreement_id"),
        ({"requesting_agency": "FBI"}, "recipient"),
    ],
)
def test_manifest_defects_reject_the_batch(
    terms: Agreement, overrides: dict[str, object], needle: str
) -> None:
    problems = gate.check_manifest(manifest(**overrides), terms, "ab" * 32)
    assert len(problems) == 1
    assert needle in problems[0]


@settings(max_examples=80, deadline=None)
@given(
    people=st.lists(
        st.tuples(st.sampled_from("ABC"), st.sampled_from("XYZ"), st.sampled_from("12")), max_size=30
    ),
    cuts=st.lists(st.integers(min_value=1, max_value=30), max_size=5),
)
def test_a_batch_checked_in_chunks_gets_the_reasons_of_the_whole(
    people: list[tuple[str, str, str]], cuts: list[int]
) -> None:
    """Issue 13: a batch is checked a chunk at a time; the first row about a person stands wherever
    the chunks are cut, and an overloaded official loses every row in every chunk."""
    terms = Agreement.model_validate({**_TERMS.model_dump(), "caseload_cap": 2})
    rows = [
        request_row(
            request_id=str(i), last_name=f"Name{name}", case_number=f"C{case}", official_name=f"O{who}"
        )
        for i, (name, case, who) in enumerate(people)
    ]
    whole = batch_checks.check_batch(rows, terms)
    overloaded = batch_checks.overloaded(batch_checks.caseloads(rows), terms)
    seen, found, start = batch_checks.Duplicates(), {}, 0
    for end in [*sorted(set(cuts)), len(rows)]:
        if start < end <= len(rows):
            flags = seen.flags(rows[start:end])
            part = batch_checks.check_chunk(rows[start:end], overloaded, flags)
            read = [{c: r[c] for c in batch_checks.CHUNK_COLUMNS} for r in rows[start:end]]
            assert batch_checks.check_chunk(read, overloaded, flags) == part  # all it reads of a row
            found.update({start + i: r for i, r in part.items()})
            start = end
    assert found == whole


@settings(max_examples=150, deadline=None)
@given(
    batch=st.dictionaries(st.sampled_from("ABCD"), st.sets(st.integers(0, 8), max_size=6), max_size=4),
    before=st.dictionaries(st.sampled_from("ABCDE"), st.sets(st.integers(0, 8), max_size=7), max_size=5),
)
def test_earlier_cases_are_fetched_only_where_their_number_does_not_settle_it(
    batch: dict[str, set[int]], before: dict[str, set[int]]
) -> None:
    """Issue 13: the store counts an official's earlier cases and sends the cases themselves only for
    officials near the cap; the officials found overloaded are the same as with every case sent."""
    terms = Agreement.model_validate({**_TERMS.model_dump(), "caseload_cap": 5})
    cases = {o: {f"C{c}" for c in cs} for o, cs in batch.items()}
    earlier = {o: {f"C{c}" for c in cs} for o, cs in before.items()}
    counts = {o: len(cs) for o, cs in earlier.items()}
    needed = batch_checks.unsettled(cases, terms, counts)
    fetched = {o: earlier.get(o, set()) for o in needed}
    assert batch_checks.overloaded(cases, terms, fetched, counts) == batch_checks.overloaded(
        cases, terms, earlier
    )
    assert needed <= {o for o in cases if o in counts}  # nobody without earlier cases is ever fetched
