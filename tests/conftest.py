from __future__ import annotations

import datetime as dt

import pytest

from taxmatch import agreement

TODAY = dt.date(2026, 11, 25)
SIGNED = dt.date(2026, 11, 2)
# Street lines the 2025 TIN path let through, and other things that are not addresses.
NOT_ADDRESSES = (
    "UNKNOWN ADDRESS",
    "Failed to Provide 12345",
    "Failed to Provide",
    "Don't Care",
    "N/A",
    "See case file",
    "12345",
    "12345-6789",
    "",
    "  ",
    "none",
    "TBD",
    "PO Box 7",
)


@pytest.fixture(scope="session")
def terms() -> agreement.Agreement:
    return agreement.load()


def request_row(**overrides: str) -> dict[str, str]:
    """A lawful request row; tests change one thing at a time."""
    row = {
        "request_id": "R1",
        "case_number": "A123456789",
        "statute": "8 U.S.C. 1253(a)(1)",
        "taxable_periods": "2023;2024",
        "reason": "Final order of removal.",
        "official_name": "Officer 0001",
        "official_title": "Deportation Officer",
        "first_name": "Maria",
        "middle_name": "",
        "last_name": "Garcia Lopez",
        "suffix": "",
        "date_of_birth": "",
        "tin": "",
        "street_address": "45 W Main Street",
        "unit": "Apt 4B",
        "city": "Springfield",
        "state": "IL",
        "zip": "62701",
    }
    row.update(overrides)
    return row
