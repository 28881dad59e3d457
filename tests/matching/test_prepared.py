"""A kept-open session picks each taxpayer's best row in Arrow exactly as the batch's SQL window does."""

from __future__ import annotations

import duckdb
import pyarrow as pa
from hypothesis import given
from hypothesis import strategies as st

from taxmatch.matching import prepared, scorer

# A pair: request, master row, that row's taxpayer (few, so that taxpayers repeat), its weight (few,
# so that ties are common: a taxpayer's two addresses scored alike).
PAIRS = st.lists(
    st.tuples(
        st.integers(0, 4),
        st.integers(0, 30),
        st.sampled_from([-3.5, 0.0, 2.25, 7.0]),
    ),
    max_size=60,
    unique_by=lambda p: (p[0], p[1]),
)


def _predictions(pairs: list[tuple[int, int, float]]) -> pa.Table:
    rows = len(pairs)
    columns: dict[str, list[object]] = {
        "source_dataset_l": [scorer.REQUESTS] * rows,
        "uid_l": [p[0] for p in pairs],
        "uid_r": [p[1] for p in pairs],
        "match_weight": [p[2] for p in pairs],
        "match_probability": [p[2] / 10 for p in pairs],
    }
    for g in scorer.GAMMAS:
        columns[f"gamma_{g}"] = [p[1] % 3 for p in pairs]
        columns[f"mw_{g}"] = [float(p[1]) for p in pairs]
    return pa.table(columns)


def _master() -> pa.Table:
    return pa.table({"uid": list(range(31)), "tin": [f"90000000{u % 7}" for u in range(31)]})


@given(PAIRS)
def test_best_rows_are_the_batch_window_s(pairs: list[tuple[int, int, float]]) -> None:
    predictions, master = _predictions(pairs), _master()
    con = duckdb.connect()
    con.register("predictions", predictions)
    con.register("master", master)
    available = predictions.column_names
    by_sql = con.sql(scorer.best_sql("predictions", "master", available)).to_arrow_table().drop(["taken"])
    pairs_found = con.sql(scorer.pairs_sql("predictions", "master", available)).to_arrow_table()
    by_arrow = prepared.best_rows(pairs_found)
    con.close()
    key = [("request_uid", "ascending"), ("tin", "ascending")]
    assert by_arrow.drop(["uid_r"]).select(by_sql.column_names).to_pylist() == by_sql.sort_by(key).to_pylist()
    assert by_arrow.num_rows == len({(p[0], master["tin"][p[1]].as_py()) for p in pairs})
