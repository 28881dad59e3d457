"""The street-line parser against usaddress's 1,513 hand-labelled addresses (docs/address-parser.md)."""

from pathlib import Path

import pytest

from taxmatch.lab import parsercheck

LABELS = Path(__file__).parents[1] / "data" / "usaddress_labeled.csv"
UNSEEN = Path(__file__).parents[1] / "data" / "unseen_addresses.csv"
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


@pytest.mark.parametrize("source", ["febrl4", "faker"])
def test_on_addresses_usaddress_never_saw_the_parser_holds_its_own(source: str) -> None:
    """usaddress's CRF was trained on labeled.xml, so its lead there is no evidence; here it saw nothing.

    Measured 2026-12-01 (docs/address-parser.md): the parser 1.000 on street names and suffixes of both
    sources, usaddress 0.998 / 0.987. The CRF is not adopted while it does not do better here."""
    rows = [r for r in parsercheck.read(UNSEEN) if r["source"] == source]
    ours, theirs = parsercheck.agreement(rows), parsercheck.agreement(rows, parsercheck.by_usaddress)
    for part in ("house_number", "street_name", "suffix"):
        (agree, total), (their_agree, their_total) = ours[part], theirs[part]
        assert total > 1000 and agree / total >= 0.99
        assert agree / total >= their_agree / their_total - 0.005
