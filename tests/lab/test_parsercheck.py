"""The street-line parser against usaddress's 1,513 hand-labelled addresses (docs/address-parser.md)."""

from pathlib import Path

import pytest

from taxmatch.lab import parsercheck

LABELS = Path(__file__).parents[1] / "data" / "usaddress_labeled.csv"
# Measured 2026-11-25; a fall below these is a regression in the parser.
FLOORS = {"house_number": 0.94, "street_name": 0.80, "suffix": 0.85, "unit": 0.73, "zip": 0.99}


@pytest.fixture(scope="module")
def agreement() -> dict[str, tuple[int, int]]:
    return parsercheck.agreement(parsercheck.read(LABELS))


@pytest.mark.parametrize(("part", "floor"), FLOORS.items())
def test_agreement_with_hand_labels(agreement: dict[str, tuple[int, int]], part: str, floor: float) -> None:
    agree, total = agreement[part]
    assert total > 100
    assert agree / total >= floor


def test_the_check_scores_what_it_should() -> None:
    row = {
        "index": "0",
        "kind": "street",
        "street_line": "45 W Main St Apt 4B",
        "AddressNumber": "45",
        "AddressNumberSuffix": "",
        "StreetNamePreDirectional": "West",
        "StreetNamePreType": "",
        "StreetName": "Main",
        "StreetNamePostType": "Street",
        "StreetNamePostDirectional": "",
        "OccupancyIdentifier": "4B",
        "ZipCode": "62701",
    }
    assert parsercheck.agreement([row])["street_name"] == (1, 1)
    assert parsercheck.agreement([{**row, "StreetName": "Maine"}])["street_name"] == (0, 1)
    assert parsercheck.agreement([{**row, "kind": "po_box"}])["street_name"] == (0, 0)
