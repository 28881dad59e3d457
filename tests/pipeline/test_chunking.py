"""The whole-batch facts a batch answered in chunks carries: which rows repeat an earlier one."""

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from taxmatch.pipeline import chunking, intake, request_csv
from taxmatch.rules import batch_checks
from tests.conftest import request_row

# Few values per field, spelt several ways, so that rows often agree on some fields and not others.
_PEOPLE = st.tuples(
    st.sampled_from(["C1", " c1 ", "C2"]),
    st.sampled_from(["Ana", "ANA ", "Bo"]),
    st.sampled_from(["Diaz", "diaz", "Diaz Jr"]),
    st.sampled_from(["", "123-45-6789", "123456789"]),
    st.sampled_from(["", "1980-01-02"]),
    st.sampled_from(["12 Main St", "12 MAIN STREET", "12 Main St Apt 4", "14 Main St"]),
)


@settings(max_examples=200, deadline=None)
@given(people=st.lists(_PEOPLE, max_size=40))
def test_a_batch_s_repeats_are_the_rule_s_over_the_file_in_order(
    people: list[tuple[str, str, str, str, str, str]],
) -> None:
    """Issue 13: repeats are found a column at a time, with only rows that share a person's other
    fields parsed for their street; the flags are batch_checks.Duplicates' over the whole file in order."""
    rows = [
        request_row(
            request_id=str(i),
            case_number=case,
            first_name=first,
            last_name=last,
            tin=tin,
            date_of_birth=dob,
            street_address=street,
        )
        for i, (case, first, last, tin, dob, street) in enumerate(people)
    ]
    if not rows:
        return
    expected = batch_checks.Duplicates().flags(rows)
    for requests in _both_ways(rows):
        assert chunking._repeated_by_columns(requests) == expected
        assert chunking.repeated(requests) == expected  # a few rows: the rule itself


def _both_ways(rows: list[dict[str, str]]) -> list[intake.RequestFile]:
    """The rows as a call holds them (text) and as a file read from disk holds them (encoded)."""
    held = intake.requests_of(rows, b"rows", "test.csv")
    return [held, replace(held, table=request_csv.compact(held.table))]


@settings(max_examples=200, deadline=None)
@given(
    asked=st.lists(
        st.tuples(
            st.sampled_from(["", " ", "A. Agent", "a.  agent", "B. Agent"]),
            st.sampled_from(["C1", " c1", "C2", ""]),
        ),
        min_size=1,
        max_size=30,
    )
)
def test_a_batch_s_caseloads_are_the_rule_s_over_the_file(asked: list[tuple[str, str]]) -> None:
    """Issue 13: each official's cases are found on codes, and rows naming no official count for nobody,
    exactly as batch_checks.caseloads counts the rows held whole."""
    rows = [
        request_row(request_id=str(i), official_name=who, case_number=case)
        for i, (who, case) in enumerate(asked)
    ]
    for requests in _both_ways(rows):
        assert chunking._caseloads_by_columns(requests) == batch_checks.caseloads(rows)
        assert chunking._caseloads(requests) == batch_checks.caseloads(rows)
