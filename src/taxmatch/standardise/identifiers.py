"""Standardise and check TINs and dates: pure functions."""

from __future__ import annotations

import datetime as dt
import re

_DIGITS = re.compile(r"^\d{9}$")
_ITIN_GROUPS = frozenset([*range(50, 66), *range(70, 89), 90, 91, 92, *range(94, 100)])


def tin_digits(value: str | None) -> str:
    """The TIN with dashes and spaces removed (may still be malformed)."""
    return re.sub(r"[\s-]", "", value or "")


def tin_type(value: str | None) -> str:
    """'SSN', 'ITIN', or '' when the value is not a structurally valid TIN.

    SSN: area not 000, 666 or 9xx; group not 00; serial not 0000.
    ITIN: begins with 9, and its fourth and fifth digits are in an issued range.
    """
    digits = tin_digits(value)
    if not _DIGITS.match(digits):
        return ""
    area, group, serial = digits[:3], digits[3:5], digits[5:]
    if area.startswith("9"):
        return "ITIN" if int(group) in _ITIN_GROUPS else ""
    if area in {"000", "666"} or group == "00" or serial == "0000":
        return ""
    return "SSN"


def tin(value: str | None) -> str:
    """The 9-digit TIN if it is structurally valid, else ''."""
    return tin_digits(value) if tin_type(value) else ""


def iso_date(value: str | None) -> dt.date | None:
    """Parse an interchange date (YYYY-MM-DD); None when absent or not a real date."""
    text = (value or "").strip()
    if not re.match(r"^\d{4}-\d{2}-\d{2}$", text):
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


_US = re.compile(r"^(\d{1,2})[/-](\d{1,2})[/-](\d{4})$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


def us_date(value: str | None) -> dt.date | None:
    """A date in the usual forms: YYYY-MM-DD, MM/DD/YYYY, M/D/YYYY, MM-DD-YYYY or YYYYMMDD.

    Slashed dates are read the US way, month first; a day-month swap is left to
    the matcher's 'transposed' level, never guessed here.
    """
    text = (value or "").strip()
    if (us := _US.match(text)) is not None:
        month, day, year = (int(g) for g in us.groups())
    elif (compact := _COMPACT.match(text)) is not None:
        year, month, day = (int(g) for g in compact.groups())
    else:
        return iso_date(text)
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def birth_date(value: str | None, today: dt.date) -> dt.date | None:
    """A plausible date of birth: a real date between 1900-01-01 and today, in any usual form."""
    day = us_date(value)
    if day is None or not dt.date(1900, 1, 1) <= day <= today:
        return None
    return day
