"""Extract usaddress's 1,513 hand-labelled addresses into a small CSV for the parser check.

    pip download --no-deps --no-binary :all: usaddress==0.5.16 -d /tmp/ua
    tar xzf /tmp/ua/usaddress-0.5.16.tar.gz -C /tmp/ua usaddress-0.5.16/training/labeled.xml
    python scripts/derive_usaddress_labels.py /tmp/ua/usaddress-0.5.16/training/labeled.xml \\
        tests/data/usaddress_labeled.csv

Each row keeps the tokens that make up a street line (what a requester puts
in `street_address` and `unit`), in their original order, and the labelled
components. usaddress is MIT-licensed (Copyright (c) 2014 Atlanta Journal
Constitution / DataMade); the labels are theirs.
"""

from __future__ import annotations

import csv
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from taxmatch.lab.parsercheck import LABEL_COLUMNS

STREET_TAGS = {
    "AddressNumberPrefix",
    "AddressNumber",
    "AddressNumberSuffix",
    "StreetNamePreModifier",
    "StreetNamePreDirectional",
    "StreetNamePreType",
    "StreetName",
    "StreetNamePostType",
    "StreetNamePostDirectional",
    "StreetNamePostModifier",
    "OccupancyType",
    "OccupancyIdentifier",
    "SubaddressType",
    "SubaddressIdentifier",
}
COLUMNS = LABEL_COLUMNS


def main(source: str, target: str) -> None:
    rows = []
    for index, address in enumerate(ET.parse(source).getroot()):
        tags = [(child.tag, (child.text or "").strip()) for child in address]
        names = {t for t, _ in tags}
        kind = (
            "po_box"
            if any(t.startswith("USPSBox") for t in names)
            else "intersection"
            if "IntersectionSeparator" in names
            else "no_number"
            if "AddressNumber" not in names
            else "street"
        )
        parts: dict[str, list[str]] = {}
        for tag, text in tags:
            parts.setdefault(tag, []).append(text)
        rows.append(
            {
                "index": str(index),
                "kind": kind,
                "street_line": " ".join(text for tag, text in tags if tag in STREET_TAGS),
                **{c: " ".join(parts.get(c, [])) for c in COLUMNS[3:]},
            }
        )
    with Path(target).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
