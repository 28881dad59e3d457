from taxmatch.matching import model


def test_labels_follow_gamma_order() -> None:
    labels = model.labels(model.settings(0.5))
    assert labels["address"] == ["disagree", "fuzzy", "fuzzy", "fuzzy", "exact"]  # the third: spaces moved
    assert labels["tin"][-1] == "exact" and labels["tin"][0] == "disagree"
    assert set(labels) == {"surname", "first_name", "address", "tin", "dob", "suffix"}


def test_every_blocking_rule_pairs_only_rows_the_scorer_reads() -> None:
    """Issue 13: a chunk is scored against the master rows that share a TIN, a ZIP or a city and state
    with it (model.REACHABLE). A blocking rule that paired rows on anything else would lose candidates."""
    for rule in model.BLOCKING_RULES:
        assert any(needed in rule for needed in model.REACHED_BY), rule
    assert {"tin_std", "zip5", "state_std", "city_std"} <= {
        word.removeprefix("m.").removeprefix("q.") for word in model.REACHABLE.split()
    }
