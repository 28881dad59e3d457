"""The 2025-style reproduction must reproduce 2025's failure, or the comparison means nothing."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from taxmatch.lab import baseline
from tests.conftest import request_row


def reference(tmp_path: Path) -> Path:
    path = tmp_path / "reference.parquet"
    rows = [
        {"tin": "123456789", "first_name": "Ana", "last_name": "Ruiz-Soto", "street_address": "1 Oak St"},
        {"tin": "223456789", "first_name": "Ben", "last_name": "Lee", "street_address": "2 Elm St"},
        {"tin": "323456789", "first_name": "Ben", "last_name": "Lee", "street_address": "2 Elm St"},
    ]
    pq.write_table(pa.Table.from_pylist(rows), path)
    return path


def test_tin_path_takes_any_five_digit_number_for_an_address(tmp_path: Path) -> None:
    rows = [
        request_row(
            request_id="zip-only",
            first_name="Ana",
            last_name="Ruiz",
            tin="123-45-6789",
            street_address="Failed to Provide 12345",
            zip="",
        ),
        request_row(
            request_id="zip-field",
            first_name="Ana",
            last_name="Ruiz",
            tin="123456789",
            street_address="UNKNOWN ADDRESS",
        ),
        request_row(request_id="other-name", first_name="Ana", last_name="Smith", tin="123456789"),
    ]
    assert baseline.disclosures(rows, reference(tmp_path)) == {
        "zip-only": "123456789",
        "zip-field": "123456789",
    }


def test_name_path_needs_exact_name_and_street_and_one_taxpayer(tmp_path: Path) -> None:
    rows = [
        request_row(request_id="exact", first_name="ana", last_name="RUIZ-SOTO", street_address="1 Oak St"),
        request_row(
            request_id="variant", first_name="Ana", last_name="Ruiz-Soto", street_address="1 Oak Street"
        ),
        request_row(request_id="two-people", first_name="Ben", last_name="Lee", street_address="2 Elm St"),
    ]
    assert baseline.disclosures(rows, reference(tmp_path)) == {"exact": "123456789"}
