import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from taxmatch.standardise import identifiers


@pytest.mark.parametrize(
    ("raw", "kind"),
    [
        ("123-45-6789", "SSN"),
        ("123456789", "SSN"),
        ("000-12-3456", ""),
        ("666-12-3456", ""),
        ("123-00-4567", ""),
        ("123-45-0000", ""),
        ("912-70-1234", "ITIN"),
        ("900-94-1234", "ITIN"),
        ("912-40-1234", ""),
        ("912-93-1234", ""),
        ("12345678", ""),
        ("1234567890", ""),
        ("12345678X", ""),
        ("", ""),
    ],
)
def test_tin_structure(raw: str, kind: str) -> None:
    assert identifiers.tin_type(raw) == kind
    assert bool(identifiers.tin(raw)) == bool(kind)


@given(st.text(max_size=15))
def test_tin_is_nine_digits_or_nothing(raw: str) -> None:
    value = identifiers.tin(raw)
    assert value == "" or (len(value) == 9 and value.isdigit())


def test_birth_date_must_be_real_and_past() -> None:
    today = dt.date(2026, 11, 25)
    assert identifiers.birth_date("1980-02-29", today) == dt.date(1980, 2, 29)
    assert identifiers.birth_date("1981-02-29", today) is None
    assert identifiers.birth_date("2030-01-01", today) is None
    assert identifiers.birth_date("1899-12-31", today) is None


@pytest.mark.parametrize(
    ("raw", "iso"),
    [
        ("1980-02-03", "1980-02-03"),
        ("02/03/1980", "1980-02-03"),
        ("2/3/1980", "1980-02-03"),
        ("02-03-1980", "1980-02-03"),
        ("19800203", "1980-02-03"),
        ("13/02/1980", None),
        ("1980/02/03", None),
        ("Feb 3 1980", None),
    ],
)
def test_birth_dates_in_the_usual_us_forms(raw: str, iso: str | None) -> None:
    day = identifiers.birth_date(raw, dt.date(2026, 11, 25))
    assert (day.isoformat() if day else None) == iso
