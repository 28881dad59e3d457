import math

import orjson
import pyarrow as pa

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
        columns[f"mw_{g}"] = [
            None if i % 11 == 5 else -0.0 if i == 7 else ((i % 4) * (j + 1)) / 8 - 3 for i in range(rows)
        ]
    odd = [None, -0.0, math.nan]  # none, and the values floats() and numpy's unique tell apart or not
    columns["mw_tf_adj_surname"] = [odd[i % 3] if i % 2 else i / 16 for i in range(rows)]
    return pa.table(columns)


def test_the_json_of_a_chunk_s_weights_is_orjson_s_of_each_candidate_s_read_alone() -> None:
    """The store keeps each explained candidate's weights as the JSON made for its chunk at once
    (results.Decided.stored): the same bytes as orjson makes of the triples, nulls, -0.0 and NaN too."""
    labels = {g: [DISAGREE, EXACT] for g in scorer.GAMMAS}
    found = scorer.candidates(_scored(40), labels)
    every = [c for uid in sorted(found) for c in found[uid]]
    assert isinstance(every[0].weights, weights.Weights)
    scored = [c.weights for c in every if isinstance(c.weights, weights.Weights)]
    made = scored[0].columns.json([w.row for w in scored])
    read = [tuple(c.weights) for c in every]
    assert made == [orjson.dumps(r) for r in read]
    assert ("surname", "frequency of the value", 0.125) in read[2]  # row 2: its adjustment, after its level
    assert read[0][0] == ("surname", "missing", -3.0)  # gamma -1: the null level
    bits = [{c: b for c, level, b in r if level != weights.FREQUENCY} for r in read]
    assert bits[5]["first_name"] == 0.0 and math.copysign(1.0, bits[7]["first_name"]) == 1.0  # null, -0.0
    assert b"-0.0" not in made[7] and b'"first_name","exact",0.0]' in made[7]
    some = [3, 2, 17, 2, 39]  # a few, in any order, again: each the JSON of its own row
    assert scored[0].columns.json(some) == [made[n] for n in some]
    assert scored[0].columns.json([]) == []
    stored = weights.stored([every[2].weights, None, [("tin", "exact", 1.5)], every[9].weights])
    assert orjson.dumps({"w": stored[0]}) == b'{"w":' + made[2] + b"}"
    assert orjson.dumps(stored[3]) == made[9]
    assert stored[1:3] == [None, (("tin", "exact", 1.5),)]


def test_a_candidate_s_weight_and_probability_read_null_and_minus_zero_as_zero() -> None:
    """floats, which the candidates' match weight and probability are read by: Python floats, null and
    a column the table lacks as 0.0, -0.0 as 0.0, NaN as itself."""
    best = pa.table({"match_weight": pa.array([None, -0.0, 1.5, math.nan], pa.float64())})
    read = weights.floats(best, "match_weight")
    assert read[:3] == [0.0, 0.0, 1.5] and math.isnan(read[3])
    assert math.copysign(1.0, read[1]) == 1.0 and all(type(v) is float for v in read)
    assert weights.floats(best, "match_probability") == [0.0] * 4
