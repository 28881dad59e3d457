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

import csv
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

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


def _read(path: Path) -> list[dict[str, str]]:
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            return list(csv.DictReader(handle))
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read: {exc}", where=Location(str(path))) from exc


def tally(disclosed: dict[str, str], truth: dict[str, dict[str, str]]) -> Tally:
    """Count disclosures (request_id -> TIN) that were unlawful or about the wrong person."""
    unlawful = wrong = 0
    for rid, tin in disclosed.items():
        t = truth[rid]
        if t["expected_outcome"] == "REJECTED" or t["lawful_address"] != "True":
            unlawful += 1
        if tin != t["true_tin"]:
            wrong += 1
    return Tally(len(disclosed), unlawful, wrong)


def by_origin(decisions: list[dict[str, str]], truth: dict[str, dict[str, str]]) -> dict[str, Group]:
    counts: dict[str, Counter[str]] = {}
    for d in decisions:
        t = truth[d["request_id"]]
        c = counts.setdefault(t.get("origin") or "unknown", Counter())
        c["rows"] += 1
        verified = d["outcome"] == "VERIFIED"
        c["wrong_person"] += verified and d["matched_tin"] != t["true_tin"]
        if t["expected_outcome"] == "VERIFIED":
            c["findable"] += 1
            c["recalled"] += verified and d["matched_tin"] == t["true_tin"]
            c["reviewed"] += d["outcome"] == "REVIEW"
            c["missed"] += d["outcome"] in {"NO_MATCH", "REJECTED"}
    return {origin: Group(**c) for origin, c in sorted(counts.items())}


def evaluate(results_dir: Path, truth_path: Path, baseline: dict[str, str] | None = None) -> Evaluation:
    decisions = _read(results_dir / "decisions.csv")
    truth = {t["request_id"]: t for t in _read(truth_path)}
    missing = [d["request_id"] for d in decisions if d["request_id"] not in truth]
    if missing:
        raise InputError(
            f"{len(missing)} request(s) have no ground truth, e.g. {missing[0]!r}",
            where=Location(str(truth_path)),
            fix="Pass the truth file made with this batch.",
        )
    disclosed = {d["request_id"]: d["matched_tin"] for d in decisions if d["outcome"] == "VERIFIED"}
    by_kind: dict[str, Counter[str]] = {}
    for d in decisions:
        by_kind.setdefault(truth[d["request_id"]]["kind"], Counter())[d["outcome"]] += 1
    findable = [t for t in truth.values() if t["expected_outcome"] == "VERIFIED"]
    recalled = sum(1 for t in findable if disclosed.get(t["request_id"]) == t["true_tin"])
    return Evaluation(
        rows=len(decisions),
        outcomes=Counter(d["outcome"] for d in decisions),
        findable=len(findable),
        recalled=recalled,
        taxmatch=tally(disclosed, truth),
        baseline=tally(baseline, truth) if baseline is not None else None,
        by_kind=by_kind,
        by_origin=by_origin(decisions, truth),
    )
