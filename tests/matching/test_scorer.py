from taxmatch.matching import model


def test_labels_follow_gamma_order() -> None:
    labels = model.labels(model.settings(0.5))
    assert labels["address"] == ["disagree", "fuzzy", "fuzzy", "fuzzy", "exact"]  # the third: spaces moved
    assert labels["tin"][-1] == "exact" and labels["tin"][0] == "disagree"
    assert set(labels) == {"surname", "first_name", "address", "tin", "dob", "suffix"}


def test_every_blocking_rule_is_equal_columns_and_reaches_what_it_pairs() -> None:
    """Issue 13: a chunk is scored against the master rows some blocking rule can pair with it
    (model.REACHABLE, made from the rules). That holds only if each rule is nothing but equal columns:
    a rule with any other condition would be read as a wider reach, or lose candidates."""
    assert model.rule_columns("l.zip5 = r.zip5 AND l.surname_key = r.surname_key") == ("zip5", "surname_key")
    for rule in model.BLOCKING_RULES:
        columns = model.rule_columns(rule)
        assert rule == " AND ".join(f"l.{c} = r.{c}" for c in columns), rule
        assert model.reached_by(rule) in model.REACHABLE
    assert model.REACHABLE.count("EXISTS") == len(model.BLOCKING_RULES)
