import re

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from taxmatch.standardise import addresses, usps_words
from tests.conftest import NOT_ADDRESSES


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("123 North Street", "123 N St"),
        ("45 West Main Street", "45 W Main St."),
        ("9 First Avenue", "9 1st Ave"),
        ("7 Maple Ave SW", "7 maple avenue southwest"),
        ("12 Elm Boulevard", "12 ELM BLVD"),
    ],
)
def test_variants_standardise_alike(a: str, b: str) -> None:
    assert addresses.street(a).text == addresses.street(b).text


def test_street_parts() -> None:
    parsed = addresses.street("45 W Main Street Apt 4B")
    assert (parsed.house_number, parsed.predirectional, parsed.name, parsed.suffix, parsed.unit) == (
        "45",
        "W",
        "MAIN",
        "ST",
        "4B",
    )


@pytest.mark.parametrize("unit", ["Apt 4B", "# 4b", "#4B", "Unit 4-B", "APARTMENT 4B", "4B"])
def test_unit_designators_compare_equal(unit: str) -> None:
    assert addresses.unit(unit) == "4B"


def test_unit_glued_to_the_street() -> None:
    assert addresses.street("88 Court St 3").unit == "3"
    assert addresses.street("88 Court St #3").unit == "3"
    assert addresses.street("88 Court St", "Apt 3").unit == "3"


def test_queens_style_house_numbers() -> None:
    assert addresses.street("12-34 31st Ave").house_number == "12-34"


@pytest.mark.parametrize("line", NOT_ADDRESSES)
def test_placeholders_are_never_addresses(line: str) -> None:
    parsed = addresses.street(line)
    assert parsed.placeholder or parsed.po_box or not parsed.house_number


def test_po_box_is_not_a_street_address() -> None:
    assert addresses.street("PO Box 12").po_box
    assert addresses.street("P.O. Box 12").po_box


@pytest.mark.parametrize(
    ("raw", "z"),
    [
        ("62701", "62701"),
        ("62701-1234", "62701"),
        ("627011234", "62701"),
        ("6270", ""),
        ("ABCDE", ""),
        ("", ""),
    ],
)
def test_zip5(raw: str, z: str) -> None:
    assert addresses.zip5(raw) == z


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("IL", "IL"),
        ("il", "IL"),
        ("Illinois", "IL"),
        ("XX", ""),
        ("District of Columbia", "DC"),
        ("PR", "PR"),
    ],
)
def test_state(raw: str, code: str) -> None:
    assert addresses.state(raw) == code


def test_city_spells_out_saint_and_mount() -> None:
    assert addresses.city("St. Louis") == addresses.city("Saint Louis") == "SAINT LOUIS"
    assert addresses.city("Mt Vernon") == "MOUNT VERNON"


@given(st.text(max_size=60))
@example("0⅓A¼¼")  # found by the property: a stray fraction re-parsed as a unit
def test_street_standardisation_is_idempotent(line: str) -> None:
    once = addresses.street(line)
    # Only what the gate accepts as a street address: a house number and a name with letters.
    if once.placeholder or once.po_box or not once.house_number or not re.search("[A-Z]", once.name):
        return
    assert addresses.street(once.text).text == once.text


@pytest.mark.parametrize("line", ["0⅓A¼¼", "0 1/3 A 1/4", "12 Main St ¼"])
def test_a_stray_fraction_is_noise_not_a_unit(line: str) -> None:
    """Found by the idempotence property: '0⅓A¼¼' became '0 1/3 A 1/4', which re-parsed as '0 1/3 A'."""
    once = addresses.street(line)
    assert addresses.street(once.text) == once and once.unit == ""


@given(st.from_regex(r"[1-9][0-9]{0,4} [A-Za-z]{3,10} (Street|St|Avenue|Ave|Road|Rd)", fullmatch=True))
def test_street_ignores_case(line: str) -> None:
    assert (
        addresses.street(line).text
        == addresses.street(line.lower()).text
        == addresses.street(line.upper()).text
    )


@pytest.mark.parametrize(
    ("typo", "right"),
    [
        ("6628 Seevnth Avenue", "6628 Seventh Avenue"),
        ("4548 23rd Parkawy", "4548 23rd Parkway"),
        ("801 North East Cricle", "801 North East Circle"),
        ("3283 East oBulevard", "3283 East Boulevard"),
        ("7 Main Stret", "7 Main Street"),
    ],
)
def test_one_edit_typos_of_usps_words_are_corrected(typo: str, right: str) -> None:
    assert addresses.street(typo).text == addresses.street(right).text


@pytest.mark.parametrize("word", ["PARKS", "MAPLE", "HICKORY", "SUNSET", "WALNUT"])
def test_street_names_are_not_corrected_into_usps_words(word: str) -> None:
    assert usps_words.correct_typo(word) == word


@pytest.mark.parametrize(
    ("line", "name"),
    [
        ("8 Forbes Street", "FORBES"),  # one edit from FORGES
        ("5 Perry Drive", "PERRY"),  # FERRY
        ("38 Dines Place", "DINES"),  # PINES
        ("12 Louis Loder Street", "LOUIS LODER"),  # LOWER
        ("3 Rivers Street", "RIVERS"),  # RIVER
        ("4 Box Hill Avenue", "BOX HILL"),  # not a PO box
    ],
)
def test_a_street_s_own_name_is_not_corrected_into_a_usps_word(line: str, name: str) -> None:
    """FEBRL4's streets: the name one edit from a street type was 'corrected' into it, so Perry Drive
    and Ferry Drive in one ZIP became one street."""
    parsed = addresses.street(line)
    assert parsed.name == name and parsed.suffix and not parsed.po_box


def test_a_bare_box_with_its_number_is_still_a_po_box() -> None:
    assert addresses.street("Box 123").po_box and addresses.street("PO Box 9").po_box


@pytest.mark.parametrize(
    ("line", "name"),
    [
        ("1886 East Front Lane", "FRONT"),
        ("12 Lake Front Rd", "LAKE FRONT"),
        ("5 Upper Mill Rd", "UPPER MILL"),
    ],
)
def test_unit_words_without_a_number_stay_in_the_street(line: str, name: str) -> None:
    parsed = addresses.street(line)
    assert name in parsed.name and parsed.unit == ""


@pytest.mark.parametrize(
    ("line", "parts"),
    [
        ("5801 North Highway 763", ("N", "HWY 763", "", "")),
        ("1341 State Road 75", ("", "STATE RD 75", "", "")),
        ("219 South Dearborn Second Floor", ("S", "DEARBORN", "", "SECOND")),
        ("111 E. Wacker 25th Flr", ("E", "WACKER", "", "25TH")),
        ("1620 L Street N.W.", ("", "L", "ST", "")),
        ("1020 West Bryn Mawr 211", ("W", "BRYN MAWR", "", "211")),
    ],
)
def test_routes_floors_and_dotted_directionals(line: str, parts: tuple[str, str, str, str]) -> None:
    parsed = addresses.street(line)
    assert (parsed.predirectional, parsed.name, parsed.suffix, parsed.unit) == parts


def test_dotted_postdirectional() -> None:
    assert addresses.street("1620 L Street N.W.").postdirectional == "NW"
    assert addresses.street("985 Cox Ave., S. W.").postdirectional == "SW"


@pytest.mark.parametrize(
    ("name", "zip_code", "canonical"),
    [
        ("Hollywood", "90028", "LOS ANGELES"),
        ("Manhattan", "10001", "NEW YORK"),
        ("New York City", "10001", "NEW YORK"),
        ("Brooklyn", "10001", "BROOKLYN"),
        ("Hollywood", "", "HOLLYWOOD"),
    ],
)
def test_city_aliases_of_a_zip_become_its_usps_city(name: str, zip_code: str, canonical: str) -> None:
    assert addresses.canonical_city(name, zip_code) == canonical


@given(line=st.text(max_size=40), unit_field=st.text(max_size=10))
def test_the_unit_field_never_changes_a_street_s_text(line: str, unit_field: str) -> None:
    """The gate's duplicate check reads the street's text from the line alone (one parse, cached)."""
    assert addresses.street(line, unit_field).text == addresses.street(line).text


@pytest.mark.parametrize(
    ("slipped", "on_file"),
    [
        ("3 owen cre scent", "3 owen crescent"),  # FEBRL4: a space inside the street type
        ("23 walker cr escent", "23 walker crescent"),
        ("16 kingscotecrescent", "16 kingscote crescent"),  # the space before it lost
        ("5 Willow Ct", "5 willow court"),
    ],
)
def test_a_street_type_split_or_glued_by_a_slip_is_read_as_the_type(slipped: str, on_file: str) -> None:
    """Issue 14: such lines were ADDRESS_NOT_ON_FILE for the very taxpayer who lives there."""
    assert addresses.street(slipped).text == addresses.street(on_file).text


@pytest.mark.parametrize(
    ("line", "text"),
    [
        ("12 Park Place", "12 PARK PL"),
        ("5 Broadway", "5 BROADWAY"),
        ("100 Main", "100 MAIN"),
        ("8 Lake Front Rd", "8 LAKE FRONT RD"),
        ("40 Sandbrook", "40 SANDBROOK"),  # a name ending in a short street type is a name
    ],
)
def test_a_real_street_name_is_not_split(line: str, text: str) -> None:
    assert addresses.street(line).text == text


@pytest.mark.parametrize(
    ("slipped", "right"),
    [
        ("5834 Nort hBridge Terrace", "5834 North Bridge Terrace"),
        ("2907 Eas tFront Avenue", "2907 East Front Avenue"),
        ("871 WestM eadow Place", "871 West Meadow Place"),
        ("4798 West Suoth Way", "4798 West South Way"),  # a directional that is the street's name
    ],
)
def test_a_space_or_letter_slipped_across_a_directional_is_the_same_street(slipped: str, right: str) -> None:
    assert addresses.street(slipped).text == addresses.street(right).text
