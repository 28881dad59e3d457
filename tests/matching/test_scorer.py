import numpy as np
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from taxmatch.matching import model, scorer, weights
from taxmatch.rules.levels import DISAGREE, EXACT


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


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(*[st.integers(0, 12)] * 6), max_size=60), st.booleans())
def test_rows_of_levels_are_told_apart_only_where_they_differ(
    rows: list[tuple[int, ...]], wide: bool
) -> None:
    """Each candidate's six levels are found among the distinct combinations as one number (or, with
    more levels than one number holds, as the row itself): the same combination, the same Levels."""
    scale = 2**12 if wide else 1  # values this far apart take the rows themselves
    columns = [np.array([r[j] * scale for r in rows], np.int64) for j in range(6)]
    first, inverse = scorer._distinct(columns)
    combos = [tuple(int(c[i]) for c in columns) for i in first.tolist()]
    assert len(set(combos)) == len(combos)
    assert [combos[k] for k in inverse.reshape(-1).tolist()] == [tuple(v * scale for v in r) for r in rows]


def _scored(rows: int) -> pa.Table:
    """A best_sql table by hand: two levels a comparison, and term frequencies for the surname only."""
    columns: dict[str, list[object]] = {
        "request_uid": [i // 3 for i in range(rows)],
        "tin": [f"9{i:08d}" for i in range(rows)],
        "match_weight": [float(i) for i in range(rows)],
        "match_probability": [0.5] * rows,
    }
    for j, g in enumerate(scorer.GAMMAS):
        columns[f"gamma_{g}"] = [-1 if (i + j) % 7 == 0 else (i >> j) & 1 for i in range(rows)]
        columns[f"mw_{g}"] = [(i * (j + 1)) / 8 - 3 for i in range(rows)]
    columns["mw_tf_adj_surname"] = [0.0 if i % 2 else i / 16 for i in range(rows)]
    return pa.table(columns)


def test_weights_read_many_at_once_are_those_read_one_at_a_time() -> None:
    """A chunk reads its explained candidates' weights together (results.Decided.stored)."""
    labels = {g: [DISAGREE, EXACT] for g in scorer.GAMMAS}
    alone, together = (scorer.candidates(_scored(40), labels) for _ in range(2))
    wanted = [c for uid in sorted(together) for c in together[uid]][::2]
    weights.read([None, *wanted])
    read = [tuple(c.weights) for c in wanted]
    assert read == [tuple(c.weights) for uid in sorted(alone) for c in alone[uid]][::2]
    assert ("surname", "frequency of the value", 0.125) in read[1]  # row 2: its adjustment, after its level
    assert read[0][0] == ("surname", "missing", -3.0)  # gamma -1: the null level
