"""Score a processed batch against ground truth, and the 2025-style process beside it.

Definitions (the ones docs/overseers.md and docs/calibration.md report against):
- a *disclosure* is a VERIFIED row;
- it is *wrong-person* when the taxpayer disclosed is not the one the row is about;
- it is *unlawful* when the row was legally insufficient or its address was not
  one the agency holds for the person (a placeholder, a ZIP alone, someone else's);
- *findable* rows are those whose lawful answer is VERIFIED; *recall* is the
  share of them disclosed for the right person.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from taxmatch.errors import InputError, Location


@dataclass(frozen=True)
class Tally:
    disclosures: int = 0
    unlawful: int = 0
    wrong_person: int = 0


@dataclass(frozen=True)
class Group:
    """Error rates for one group of rows (by surname origin), so a disparity is visible."""

    rows: int = 0
    findable: int = 0
    recalled: int = 0
    reviewed: int = 0  # findable rows held for a reviewer
    missed: int = 0  # findable rows answered NO_MATCH or REJECTED
    wrong_person: int = 0

    @property
    def recall(self) -> float:
        return self.recalled / self.findable if self.findable else 0.0


@dataclass
class Evaluation:
    rows: int
    outcomes: Counter[str]
    findable: int
    recalled: int
    taxmatch: Tally
    baseline: Tally | None = None
    by_kind: dict[str, Counter[str]] = field(default_factory=dict)
    by_origin: dict[str, Group] = field(default_factory=dict)

    @property
    def recall(self) -> float:
        return self.recalled / self.findable if self.findable else 0.0

    @property
    def review_rate(self) -> float:
        return self.outcomes.get("REVIEW", 0) / self.rows if self.rows else 0.0


# Both files as text with empty fields as '' (DuckDB reads an empty field as NULL).
_COLUMNS = {
    "d": ("request_id", "outcome", "matched_tin"),
    "t": ("request_id", "kind", "true_tin", "expected_outcome", "lawful_address", "origin"),
}
_UNLAWFUL = "(t.expected_outcome = 'REJECTED' OR t.lawful_address <> 'True')"
_WRONG = "(d.matched_tin <> t.true_tin)"


def _open(decisions: Path, truth: Path) -> duckdb.DuckDBPyConnection:
    """The decisions (d) and the truth (t) as DuckDB views: a 7,600,000-row batch is evaluated in SQL,
    where its rows as Python dictionaries would not fit."""
    con = duckdb.connect()
    con.execute("SET preserve_insertion_order = false")
    for name, path in (("d", decisions), ("t", truth)):
        try:
            with path.open("rb"):  # say which file cannot be read before DuckDB does
                pass
            read = con.read_csv(str(path), all_varchar=True, header=True)
        except (OSError, duckdb.Error) as exc:
            raise InputError(f"cannot read: {exc}", where=Location(str(path))) from exc
        picked = ", ".join(
            f"coalesce({c}, '') AS {c}" if c in read.columns else f"'' AS {c}" for c in _COLUMNS[name]
        )
        read.project(picked).create_view(f"{name}_csv")
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM {name}_csv")
    return con


def _tally(con: duckdb.DuckDBPyConnection, disclosed: str) -> Tally:
    """Count disclosures (the relation `disclosed`: request_id, matched_tin) unlawful or about the wrong
    person."""
    (row,) = con.execute(
        f"SELECT count(*), count(*) FILTER ({_UNLAWFUL}), count(*) FILTER ({_WRONG}) "
        f"FROM {disclosed} AS d JOIN t USING (request_id)"
    ).fetchall()
    return Tally(*row)


def _by_origin(con: duckdb.DuckDBPyConnection) -> dict[str, Group]:
    findable, verified = "t.expected_outcome = 'VERIFIED'", "d.outcome = 'VERIFIED'"
    rows = con.execute(
        f"""SELECT CASE WHEN t.origin = '' THEN 'unknown' ELSE t.origin END AS origin, count(*),
            count(*) FILTER ({findable}), count(*) FILTER ({findable} AND {verified} AND NOT {_WRONG}),
            count(*) FILTER ({findable} AND d.outcome = 'REVIEW'),
            count(*) FILTER ({findable} AND d.outcome IN ('NO_MATCH', 'REJECTED')),
            count(*) FILTER ({verified} AND {_WRONG})
        FROM d JOIN t USING (request_id) GROUP BY ALL ORDER BY origin"""
    ).fetchall()
    return {origin: Group(*counts) for origin, *counts in rows}


def evaluate(results_dir: Path, truth_path: Path, baseline: dict[str, str] | None = None) -> Evaluation:
    con = _open(results_dir / "decisions.csv", truth_path)
    ((missing, example),) = con.execute(
        "SELECT count(*), min(request_id) FROM d ANTI JOIN t USING (request_id)"
    ).fetchall()
    if missing:
        raise InputError(
            f"{missing} request(s) have no ground truth, e.g. {example!r}",
            where=Location(str(truth_path)),
            fix="Pass the truth file made with this batch.",
        )
    by_kind: dict[str, Counter[str]] = {}
    for kind, outcome, count in con.execute(
        "SELECT t.kind, d.outcome, count(*) FROM d JOIN t USING (request_id) GROUP BY ALL"
    ).fetchall():
        by_kind.setdefault(kind, Counter())[outcome] = count
    outcomes = Counter(dict(con.execute("SELECT outcome, count(*) FROM d GROUP BY ALL").fetchall()))
    ((findable, recalled),) = con.execute(
        "SELECT count(*), count(d.request_id) FROM t LEFT JOIN d ON d.request_id = t.request_id "
        f"AND d.outcome = 'VERIFIED' AND NOT {_WRONG} WHERE t.expected_outcome = 'VERIFIED'"
    ).fetchall()
    base = None
    if baseline is not None:
        con.register(
            "baseline_disclosed",
            pa.table({"request_id": list(baseline), "matched_tin": list(baseline.values())}),
        )
        base = _tally(con, "baseline_disclosed")
    return Evaluation(
        rows=outcomes.total(),
        outcomes=outcomes,
        findable=findable,
        recalled=recalled,
        taxmatch=_tally(con, "(SELECT * FROM d WHERE outcome = 'VERIFIED')"),
        baseline=base,
        by_kind=by_kind,
        by_origin=_by_origin(con),
    )
