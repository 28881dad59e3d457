"""FEBRL4's lawful subset, and how taxmatch does on it: automatic recall, blocking recall, misses by cause.

    python scripts/febrl_lawful.py STORE RESULTS_DIR [--data tests/data/febrl4]

STORE holds FEBRL4's master (taxmatch master load); RESULTS_DIR is `taxmatch
process` run on its requests. A request is in the lawful subset when verifying
it would be lawful: it still names the person and their address (issue 14):

- first and last name each a variant of the original: equal, a typo (at most
  two edits, or equal with spaces removed), or the two swapped;
- the same house number, and the street a variant of the original;
- the town or the postcode equal or one slip away;
- where both sides give a date of birth, equal or one slip away.

Of the subset, the rows whose identifiers all agree (a TIN or date of birth
that both sides give, well formed, is equal) are those the one rule lets be
verified without a reviewer: a TIN or birth date that differs, even by one
slip, must not be confirmed automatically (DESIGN.md, the one rule, 2). The
script reports automatic recall on them as well.

Blocking recall is the share of the subset whose true pair reaches scoring
under the model's own blocking rules (taxmatch.matching.model.BLOCKING_RULES).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
from collections import Counter
from pathlib import Path

import duckdb
import pyarrow as pa

from taxmatch.interchange import REQUEST_COLUMNS
from taxmatch.matching.model import BLOCKING_RULES
from taxmatch.standardise import identifiers
from taxmatch.standardise.table import standardise

TODAY = dt.date(2026, 11, 25)  # the day FEBRL4's requests are answered as of (tests/pipeline/test_febrl4.py)


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def edits(a: str, b: str) -> int:
    """Optimal string alignment distance (a transposition is one edit)."""
    d = [[i + j if i * j == 0 else 0 for j in range(len(b) + 1)] for i in range(len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] != b[j - 1]))
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[-1][-1]


def variant(asked: str, original: str, most: int = 2) -> bool:
    a, o = asked.strip().lower(), original.strip().lower()
    return bool(a and o) and (a == o or a.replace(" ", "") == o.replace(" ", "") or edits(a, o) <= most)


def house_and_street(line: str) -> tuple[str, str]:
    head, _, rest = line.strip().lower().partition(" ")
    return (head, rest) if head.isdigit() else ("", line.strip().lower())


def lawful(asked: dict[str, str], original: dict[str, str]) -> bool:
    names = variant(asked["first_name"], original["first_name"]) and variant(
        asked["last_name"], original["last_name"]
    )
    swapped = variant(asked["first_name"], original["last_name"]) and variant(
        asked["last_name"], original["first_name"]
    )
    house, street = house_and_street(asked["street_address"])
    on_file_house, on_file_street = house_and_street(original["street_address"])
    place = variant(asked["city"], original["city"], 1) or variant(asked["zip"], original["zip"], 1)
    born = not (asked["date_of_birth"] and original["date_of_birth"]) or variant(
        asked["date_of_birth"], original["date_of_birth"], 1
    )
    street_ok = bool(house) and house == on_file_house and variant(street, on_file_street, 3)
    return (names or swapped) and street_ok and place and born


def identifiers_agree(asked: dict[str, str], original: dict[str, str]) -> bool:
    """Every identifier both sides give, well formed, is equal: nothing for the one rule to hold on."""
    tins = identifiers.tin(asked["tin"]), identifiers.tin(original["tin"])
    born = (
        identifiers.birth_date(asked["date_of_birth"], TODAY),
        identifiers.birth_date(original["date_of_birth"], TODAY),
    )
    return all(not (a and b) or a == b for a, b in (tins, born))


def reached(
    requests: list[dict[str, str]], store: Path, wanted: set[tuple[str, str]]
) -> set[tuple[str, str]]:
    """The (request id, TIN) pairs of `wanted` that some blocking rule brings to scoring."""
    table = pa.Table.from_pylist([{c: r.get(c, "") for c in REQUEST_COLUMNS} for r in requests])
    asked = standardise(table, TODAY)
    con = duckdb.connect()
    con.register("asked", asked)
    con.execute("CREATE TABLE want (request_id VARCHAR, tin VARCHAR)")
    con.executemany("INSERT INTO want VALUES (?, ?)", sorted(wanted))
    reference = str(store / "reference" / "reference.parquet")
    found: set[tuple[str, str]] = set()
    for rule in BLOCKING_RULES:
        query = (
            f"SELECT DISTINCT l.request_id, r.tin FROM asked l JOIN read_parquet('{reference}') r ON {rule} "
            "JOIN want w ON w.request_id = l.request_id AND w.tin = r.tin"
        )
        found |= {(str(a), str(b)) for a, b in con.execute(query).fetchall()}
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("store", type=Path)
    parser.add_argument("results", type=Path)
    parser.add_argument("--data", type=Path, default=Path("tests/data/febrl4"))
    args = parser.parse_args()
    master = {r["tin"]: r for r in rows(args.data / "master.csv")}
    requests = {r["request_id"]: r for r in rows(args.data / "requests.csv")}
    truth = {r["request_id"]: r for r in rows(args.data / "truth.csv")}
    decided = {r["request_id"]: r for r in rows(args.results / "decisions.csv")}
    subset = [
        rid
        for rid, t in truth.items()
        if t["true_tin"] in master and lawful(requests[rid], master[t["true_tin"]])
    ]
    pairs = {(rid, truth[rid]["true_tin"]) for rid in subset}
    blocked = reached(list(requests.values()), args.store, pairs)
    right = [
        r
        for r in subset
        if decided[r]["outcome"] == "VERIFIED" and decided[r]["matched_tin"] == truth[r]["true_tin"]
    ]
    review = [r for r in subset if decided[r]["outcome"] == "REVIEW"]
    verified = [r for r, d in decided.items() if d["outcome"] == "VERIFIED"]
    wrong = [r for r in verified if decided[r]["matched_tin"] != truth[r]["true_tin"]]
    unlawful = [r for r in verified if truth[r]["lawful_address"] != "True"]
    agreeing = [r for r in subset if identifiers_agree(requests[r], master[truth[r]["true_tin"]])]

    def cause(r: str) -> str:
        return (
            "never reached scoring"
            if (r, truth[r]["true_tin"]) not in blocked
            else decided[r]["reason_codes"]
        )

    print(f"| lawful subset | {len(subset):,} of {len(truth):,} requests |")
    print("|---|---:|")
    print(f"| automatic recall (VERIFIED, right person) | {len(right) / len(subset):.4f} ({len(right):,}) |")
    print(f"| held for review | {len(review) / len(subset):.4f} ({len(review):,}) |")
    print(f"| blocking recall (the true pair reaches scoring) | {len(blocked) / len(subset):.4f} |")
    print(f"| wrong-person disclosures (whole file) | {len(wrong)} |")
    print(f"| disclosures on an unlawful address (whole file) | {len(unlawful)} |")
    found = set(right) & set(agreeing)
    print(f"| of the subset, every identifier given agrees | {len(agreeing):,} |")
    print(f"| automatic recall on those | {len(found) / len(agreeing):.4f} ({len(found):,}) |")
    print("\nmissed, by cause:")
    for what, n in Counter(cause(r) for r in subset if r not in right and r not in review).most_common():
        print(f"- {what}: {n}")
    print("\nnot verified although every identifier agrees, by cause:")
    for what, n in Counter(cause(r) for r in agreeing if r not in found).most_common():
        print(f"- {what}: {n}")


if __name__ == "__main__":
    main()
