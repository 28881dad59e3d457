"""Score requests against the reference index with the saved Splink model.

The engine edge of the pipeline: it runs SQL (DuckDB by default) and returns,
per request, one candidate per taxpayer (that taxpayer's best-scoring address
row), with the comparison labels the decision reads.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from splink import DuckDBAPI, Linker

from taxmatch import combinations
from taxmatch.matching import duck, model
from taxmatch.matching.candidate_index import CandidateIndex
from taxmatch.matching.prepared import Prepared, Script
from taxmatch.matching.reference import Reference
from taxmatch.matching.term_frequencies import TermFrequencies
from taxmatch.matching.weights import WeightColumns, Weights, floats
from taxmatch.rules.decide import Candidate
from taxmatch.rules.levels import MISSING, Level, Levels, name_level

log = logging.getLogger(__name__)
# Splink orders a pair's sides by dataset name: requests sort first, so they are "_l".
REQUESTS = "a_requests"
GAMMAS = ("surname", "first_name", "address", "tin", "dob", "suffix")


def _gammas(best: pa.Table) -> dict[str, np.ndarray]:
    """Each comparison's gamma for every row, as numbers (null as -1, the null level): read once, for
    the levels, their distinct combinations and the weights' JSON."""
    return {g: np.asarray(pc.fill_null(best.column(f"gamma_{g}"), -1).to_numpy()) for g in GAMMAS}


def _levels(gammas: np.ndarray, table: list[Level]) -> list[Level]:
    """The level of every row, from its gamma (-1 is the null level)."""
    return [MISSING if gamma < 0 else table[gamma] for gamma in gammas.tolist()]


class _RecordingAPI(DuckDBAPI):
    """Splink's DuckDB backend, able to record the statements one prediction sends."""

    def __init__(self, connection: duckdb.DuckDBPyConnection) -> None:
        super().__init__(connection=connection)
        self.recorded: list[str] | None = None

    def _execute_sql_against_backend(self, final_sql: str) -> duckdb.DuckDBPyRelation:
        if self.recorded is not None:
            self.recorded.append(final_sql)
        return super()._execute_sql_against_backend(final_sql)


class Matcher:
    """A DuckDB session holding the saved model and the master's term frequencies.

    A batch uses one for a single scoring; the interactive service keeps one open
    so that each call pays only for its own few rows.
    """

    def __init__(
        self,
        reference: Reference,
        threads: int | None = None,
        frequencies: TermFrequencies | None = None,
        scan: bool = False,
    ) -> None:
        """`frequencies`: the term frequencies held in memory, so that each scoring joins only the
        lookup rows of its own values (an interactive call); the whole lookups are tables otherwise.
        `scan`: find a batch's master rows by scanning the master even when the load saved an index."""
        self.reference = reference
        self._scan = scan
        self._index: CandidateIndex | None = None  # opened by the first scoring that needs it
        self.trained = reference.model()
        self.labels = model.labels(self.trained)
        self.con = duck.connect(reference.budget.but(threads) if threads else reference.budget)
        self.db = _RecordingAPI(self.con)
        self._script: Script | None = None
        self._prepared: Prepared | None = None  # a kept-open session's, once its script is recorded
        self.frequencies = frequencies
        for column in model.TF_COLUMNS if frequencies is None else ():
            duck.run(
                self.con,
                f"CREATE TABLE tf_{column}_lookup AS SELECT * FROM read_parquet(?)",
                [str(reference.tf_path(column))],
            )

    def close(self) -> None:
        self.con.close()
        if self._index is not None:
            self._index.close()

    def _reached(self, requests: pa.Table) -> pa.Table | None:
        """The master rows a blocking rule can pair with these requests, found in the index the load
        saved (at 10M taxpayers a scan read 18M rows a chunk); None when there is none: scan instead."""
        if self._index is None and not self._scan:
            self._index = CandidateIndex.saved(self.reference)
            self._scan = self._index is None
        return None if self._index is None else self._index.candidates(requests)

    def score(self, requests: pa.Table, master: pa.Table | None = None) -> dict[int, list[Candidate]]:
        """Candidates per request uid. `requests` holds `uid` and the standard columns.

        `master`: the master rows to search (uid, tin and the standard columns), when
        an index has already narrowed them down; the whole master file otherwise.
        The blocking rules and term frequencies are the same either way.
        """
        return candidates(self.best(requests, master), self.labels)

    def best(self, requests: pa.Table, master: pa.Table | None = None) -> pa.Table:
        """Each request's best row per taxpayer (best_sql; prepared.best_rows in a kept-open session, once
        its script is prepared): columns only, which a worker process can send back whole; `candidates`
        makes them the decision's objects."""
        if self._prepared is not None and master is not None:
            return self._prepared.best(self._inputs(requests, master))
        con, columns = self.con, ", ".join(model.COMPARED_COLUMNS)
        master = self._reached(requests) if master is None else master
        con.register("requests_arrow", requests.select([model.UID, *model.COMPARED_COLUMNS]))
        duck.run(con, "CREATE OR REPLACE TABLE requests_std AS SELECT * FROM requests_arrow")
        if master is None:  # the master rows a blocking rule can pair with these requests, no others
            sql = (
                f"CREATE OR REPLACE TABLE master_std AS SELECT uid, tin, {columns} FROM read_parquet(?) AS m"
            )
            duck.run(con, f"{sql} WHERE {model.REACHABLE}", [str(self.reference.parquet)])
        else:
            con.register("master_arrow", master)
            duck.run(
                con, f"CREATE OR REPLACE TABLE master_std AS SELECT uid, tin, {columns} FROM master_arrow"
            )
            for name, rows in self.frequencies.for_rows(requests, master).items() if self.frequencies else ():
                con.register(name, rows)
        if self._script is None:
            found = self._first()
            if self.frequencies is not None and master is not None:
                self._prepared = self._prepare(requests, master)
            return found
        for name, query in self._script.steps:
            duck.run(con, f"CREATE OR REPLACE TABLE {name} AS {query}")
        try:
            return self._best(f"({self._script.predictions})")
        finally:
            for table in self._script.tables:
                duck.run(con, f"DROP TABLE IF EXISTS {table}")

    def _first(self) -> pa.Table:
        """Predict through Splink, recording its SQL for the session's later scorings.

        The SQL depends only on the model and the session's fixed table names, not
        on the rows, so replaying it skips the ~100 ms Splink spends generating it
        on every call (tests/test_index.py holds replayed scores to the batch's).
        """
        linker = self._linker()
        self.db.recorded = []
        try:
            predictions = linker.inference.predict().physical_name
            kept = tuple(s for s in self.db.recorded if s.startswith(("DROP TABLE", "CREATE TABLE")))
            self._script = Script.recorded(kept, predictions)
            return self._best(predictions)
        finally:
            self.db.recorded = None
            linker.table_management.invalidate_cache()  # type: ignore[no-untyped-call]

    def _inputs(self, requests: pa.Table, master: pa.Table) -> dict[str, pa.Table]:
        """A kept-open session's input tables, by name: the requests, their master rows, and the term
        frequencies of their values."""
        assert self.frequencies is not None
        return {
            "requests_std": requests.select([model.UID, *model.COMPARED_COLUMNS]),
            "master_std": master.select([model.UID, "tin", *model.COMPARED_COLUMNS]),
            **self.frequencies.for_rows(requests, master),
        }

    def _prepare(self, requests: pa.Table, master: pa.Table) -> Prepared:
        """The recorded script prepared over inputs that stay (prepared.py), in place of those it was
        recorded over: the tables made for the first scoring, the lookups' registered rows."""
        assert self._script is not None
        inputs = {name: rows.slice(0, 0) for name, rows in self._inputs(requests, master).items()}
        for name in inputs:
            self.con.unregister(name)  # a view registered by name, if one is
            duck.run(self.con, f"DROP TABLE IF EXISTS {name}")
        return Prepared(self.con, inputs, self._script, lambda p, c: pairs_sql(p, "master_std", c))

    def _linker(self) -> Linker:
        """A Linker over the session's fixed tables, with the master's term frequencies (needed once)."""
        tables = [
            self.db.register("requests_std", dataset_display_name=REQUESTS),
            self.db.register("master_std", dataset_display_name="b_master"),
        ]
        # The settings were validated when the model was trained and saved.
        linker = Linker(tables, self.trained, log_level=None, validate_settings=False)
        for column in model.TF_COLUMNS:
            lookup = self.db.register(f"tf_{column}_lookup")
            linker.table_management.register_term_frequency_lookup(lookup, column)
        return linker

    def _best(self, predictions: str) -> pa.Table:
        """Each request's best-scoring row per taxpayer, from `predictions`: a table, or a query in
        parentheses."""
        available = self.con.sql(f"SELECT * FROM {predictions} LIMIT 0").columns
        return self.con.sql(best_sql(predictions, "master_std", available)).to_arrow_table()


def _scored_columns(available: Sequence[str]) -> str:
    """The gammas and match weights (and the term frequencies' adjustments, where the model has them)
    that the decision and its explanation read, of the predictions `p`."""
    wanted = [f"gamma_{g}" for g in GAMMAS] + [f"mw_{g}" for g in GAMMAS]
    wanted += [c for c in (f"mw_tf_adj_{g}" for g in GAMMAS) if c in available]
    return ", ".join(f"p.{c}" for c in wanted)


def pairs_sql(predictions: str, master: str, available: Sequence[str]) -> str:
    """SQL for every scored pair of a request and a master row, with its taxpayer, the master row
    (`uid_r`), and the columns of best_sql: what prepared.best_rows picks each taxpayer's best from."""
    return f"""
        SELECT p.uid_l AS request_uid, p.uid_r, m.tin, p.match_weight, p.match_probability,
            {_scored_columns(available)}
        FROM {predictions} AS p JOIN {master} AS m ON m.uid = p.uid_r
        WHERE p.source_dataset_l = '{REQUESTS}'
    """


def best_sql(predictions: str, master: str, available: Sequence[str]) -> str:
    """SQL (the same on DuckDB and Spark) for each request's best-scoring row per taxpayer, with the
    gammas and match weights the decision and its explanation read."""
    gammas = _scored_columns(available)
    return f"""
        SELECT * FROM (
            SELECT p.uid_l AS request_uid, m.tin, p.match_weight, p.match_probability, {gammas},
                row_number() OVER (PARTITION BY p.uid_l, m.tin ORDER BY p.match_weight DESC, p.uid_r) AS taken
            FROM {predictions} AS p JOIN {master} AS m ON m.uid = p.uid_r
            WHERE p.source_dataset_l = '{REQUESTS}'
        ) AS ranked WHERE taken = 1
    """


def _distinct_levels(
    gammas: dict[str, np.ndarray], level: dict[str, list[Level]]
) -> tuple[list[Levels], list[int]]:
    """The few distinct combinations of the six levels among the rows, and each row's among them: a
    batch has millions of candidates but a few hundred combinations, so each Levels is made once."""
    first, inverse = combinations.distinct([gammas[g] for g in GAMMAS])
    made = []
    for i in first.tolist():
        surname, first_name = level["surname"][i], level["first_name"][i]
        made.append(
            Levels(
                name=name_level(surname, first_name),
                address=level["address"][i],
                tin=level["tin"][i],
                dob=level["dob"][i],
                suffix=level["suffix"][i],
                surname=surname,
            )
        )
    return made, inverse.reshape(-1).tolist()


def candidates(best: pa.Table, labels: dict[str, list[Level]]) -> dict[int, list[Candidate]]:
    """The rows of best_sql as candidates, by request uid: built a column at a time, since a batch
    has millions of candidate rows and a dictionary per row cost most of the time."""
    gammas = _gammas(best)
    level = {g: _levels(gammas[g], labels[g]) for g in GAMMAS}
    made, which = _distinct_levels(gammas, level)
    columns = zip(
        best.column("request_uid").to_pylist(),
        best.column("tin").to_pylist(),
        floats(best, "match_weight"),
        floats(best, "match_probability"),
        which,
        range(best.num_rows),
        strict=True,
    )
    weights = WeightColumns(best, level, gammas)
    found: dict[int, list[Candidate]] = defaultdict(list)
    for uid, tin, weight, probability, k, i in columns:
        found[uid].append(Candidate(tin, weight, probability, made[k], Weights(weights, i)))
    return dict(found)
