from taxmatch.matching import model


def test_labels_follow_gamma_order() -> None:
    labels = model.labels(model.settings(0.5))
    assert labels["address"] == ["disagree", "fuzzy", "fuzzy", "exact"]
    assert labels["tin"][-1] == "exact" and labels["tin"][0] == "disagree"
    assert set(labels) == {"surname", "first_name", "address", "tin", "dob", "suffix"}
