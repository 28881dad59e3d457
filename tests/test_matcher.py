import pytest

from taxmatch.matching import model
from taxmatch.matching.scorer import name_level


@pytest.mark.parametrize(
    ("surname", "first", "name"),
    [
        ("exact", "exact", "exact"),
        ("exact", "fuzzy", "fuzzy"),
        ("fuzzy", "exact", "fuzzy"),
        ("exact", "disagree", "disagree"),
        ("disagree", "exact", "disagree"),
        ("exact", "partial", "partial"),
        ("missing", "exact", "missing"),
        ("swapped", "swapped", "fuzzy"),
        ("swapped", "exact", "disagree"),
        ("exact", "swapped", "disagree"),
    ],
)
def test_name_level_combines_surname_and_given_name(surname: str, first: str, name: str) -> None:
    assert name_level(surname, first) == name


def test_labels_follow_gamma_order() -> None:
    labels = model.labels(model.settings(0.5))
    assert labels["address"] == ["disagree", "fuzzy", "fuzzy", "exact"]
    assert labels["tin"][-1] == "exact" and labels["tin"][0] == "disagree"
    assert set(labels) == {"surname", "first_name", "address", "tin", "dob", "suffix"}
