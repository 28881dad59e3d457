"""An interactive session's prediction, planned once and executed for every call.

Replaying Splink's recorded statements makes DuckDB parse, bind and optimise
them again on every call: at 25 requests and ~70 pairs that planning, not the
pairs, was most of the prediction (26 ms of a call), and the window that keeps
each taxpayer's best row cost 7 ms more over those few rows (docs/benchmarks.md,
2026-12-06h). Here the recorded statements are prepared once, their plans kept
(duck.plan_once), over input and intermediate tables that stay: a call empties
them, copies its own rows in (duck.refill), and executes. Each request's best
row per taxpayer is then picked in Arrow, by the batch's own order
(scorer.best_sql): highest match weight, then the lowest master row.
tests/matching/test_candidate_index.py holds the result to the batch path's, and
a call to binding nothing again.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from taxmatch.matching import duck

_CREATE = re.compile(r"CREATE TABLE (\S+) AS\s")
_INPUTS, _SIDE = "call_inputs", "call_input"  # the one table of a call's inputs, and which input a row is
# A taxpayer's rows by the batch's order: best weight first, then the lowest master row.
BEST_FIRST = [
    ("request_uid", "ascending"),
    ("tin", "ascending"),
    ("match_weight", "descending"),
    ("uid_r", "ascending"),
]


def _together(inputs: Mapping[str, pa.Table]) -> pa.Table:
    """Every input's rows in one table, each row with its input's name: a call copies one table into the
    session, not five (each copy ~2.5 ms at 10M, whatever its rows). A column two inputs share has
    one type in both (the requests' and the master's standard columns; a lookup's value column)."""
    named = [t.append_column(_SIDE, pa.repeat(pa.scalar(name), t.num_rows)) for name, t in inputs.items()]
    return pa.concat_tables(named, promote_options="default")


def _created(statements: Sequence[str]) -> list[tuple[str, str]]:
    """Each recorded `CREATE TABLE name AS query`, as its name and query, in order."""
    return [(m.group(1), s[m.end() :]) for s in statements if (m := _CREATE.match(s))]


@dataclass(frozen=True)
class Script:
    """One prediction's statements over the session's fixed table names, as a scoring replays them: the
    tables its predictions read, each as its name and query, in order; the predictions' own query; every
    table the statements make, dropped after.

    A replay reads the predictions through their query, never made a table: best_sql reads 20 of their
    62 columns, and DuckDB then computes and keeps only those. Made a table, every compared value of
    both sides was written for every pair: a chunk of the 1.28M batch took 3.6 s of CPU so, 3.0 s
    through the query, for the same rows (docs/benchmarks.md, 2026-12-07i).
    """

    steps: tuple[tuple[str, str], ...]
    predictions: str
    tables: tuple[str, ...]

    @classmethod
    def recorded(cls, statements: Sequence[str], predictions: str) -> Script:
        """From the statements Splink sent for one prediction, the table `predictions` among those they
        make (the statements after it only drop tables)."""
        made = _created(statements)
        at = [name for name, _ in made].index(predictions)
        return cls(tuple(made[:at]), made[at][1], tuple(name for name, _ in made))


def best_rows(pairs: pa.Table) -> pa.Table:
    """Each request's best-scoring row per taxpayer (scorer.best_sql, in Arrow), in request and TIN order."""
    ranked = pairs.take(pc.sort_indices(pairs, BEST_FIRST))
    request = ranked.column("request_uid").to_numpy()
    tin = np.asarray(ranked.column("tin").to_numpy(zero_copy_only=False))
    first = np.ones(len(request), dtype=bool)
    first[1:] = (request[1:] != request[:-1]) | (tin[1:] != tin[:-1])
    return ranked.filter(pa.array(first))


class Prepared:
    """A kept-open session's prediction, prepared once from a recorded script.

    `inputs`: each input's name and an empty table of its schema (a call gives rows of each, which
    go into one table together, see _together);
    `script`: the recorded prediction; `pairs`: the SQL of the scored pairs, given the predictions'
    query and its columns.
    """

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        inputs: Mapping[str, pa.Table],
        script: Script,
        pairs: Callable[[str, Sequence[str]], str],
    ) -> None:
        self.con, self.inputs = con, list(inputs)
        con.from_arrow(_together(inputs)).create(_INPUTS)
        for name, empty in inputs.items():  # each input a view of its own rows, its own columns in order
            columns = ", ".join(f'"{c}"' for c in empty.column_names)
            duck.run(con, f"CREATE VIEW {name} AS SELECT {columns} FROM {_INPUTS} WHERE {_SIDE} = '{name}'")
        duck.plan_once(con)  # before anything is prepared
        steps, predictions = script.steps, script.predictions
        self.steps = [name for name, _ in steps]
        for n, (name, query) in enumerate(steps):
            duck.run(con, f"CREATE TABLE {name} AS SELECT * FROM ({query}) LIMIT 0")
            duck.run(con, f"PREPARE step_{n} AS INSERT INTO {name} {query}")
        available = con.sql(f"SELECT * FROM ({predictions}) LIMIT 0").columns
        duck.run(con, f"PREPARE pairs AS {pairs(f'({predictions})', available)}")

    def best(self, rows: Mapping[str, pa.Table]) -> pa.Table:
        """The best rows (best_rows) for a call whose inputs are `rows` (every input, by name)."""
        duck.refill(self.con, _INPUTS, _together({name: rows[name] for name in self.inputs}))
        for name in self.steps:
            duck.run(self.con, f"DELETE FROM {name}")
        for n in range(len(self.steps)):
            duck.run(self.con, f"EXECUTE step_{n}")
        return best_rows(self.con.sql("EXECUTE pairs").to_arrow_table())
