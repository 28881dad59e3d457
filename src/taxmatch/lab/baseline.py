"""The 2025-style process, for comparison only: it never discloses anything.

It reproduces the two automated paths the courts and the inspector general
described, so that `evaluate` and the demo can show what that process would
have released on the same batch:

- TIN path (the request carries a TIN): the TIN matches a taxpayer and the
  IRS name control (first four letters of the surname) agrees; the only
  address test is that some address field holds a 5- or 9-digit number, so
  `Failed to Provide 12345` or a ZIP alone passes.
- Name path (no TIN): first name, last name and street line match exactly
  (case aside), and exactly one taxpayer has them.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa

from taxmatch.interchange import REQUEST_COLUMNS

NAME_CONTROL = (
    "left(regexp_replace(upper(split_part(regexp_replace(trim({c}), '[- ]+', ' ', 'g'), ' ', 1)), "
    "'[^A-Z]', '', 'g'), 4)"
)
HAS_NUMBER = "regexp_matches(coalesce({c}, ''), '(^|[^0-9])([0-9]{{5}}|[0-9]{{9}})([^0-9]|$)')"


def disclosures(rows: list[dict[str, str]], reference_parquet: Path) -> dict[str, str]:
    """request_id -> TIN the 2025-style process would have disclosed a last known address for."""
    con = duckdb.connect()
    con.register(
        "req", pa.Table.from_pylist(rows, schema=pa.schema([(c, pa.string()) for c in REQUEST_COLUMNS]))
    )
    found = con.sql(
        f"""
        WITH m AS (SELECT DISTINCT tin, first_name, last_name, street_address FROM read_parquet(?)),
        tin_path AS (
            SELECT r.request_id, m.tin FROM req r JOIN m ON m.tin = regexp_replace(r.tin, '[- ]', '', 'g')
            WHERE {NAME_CONTROL.format(c="r.last_name")} = {NAME_CONTROL.format(c="m.last_name")}
              AND ({HAS_NUMBER.format(c="r.street_address")} OR {HAS_NUMBER.format(c="r.zip")})
        ),
        name_path AS (
            SELECT r.request_id, any_value(m.tin) AS tin FROM req r JOIN m
              ON upper(trim(m.first_name)) = upper(trim(r.first_name))
             AND upper(trim(m.last_name)) = upper(trim(r.last_name))
             AND upper(trim(m.street_address)) = upper(trim(r.street_address))
            WHERE coalesce(trim(r.tin), '') = ''
            GROUP BY r.request_id HAVING count(DISTINCT m.tin) = 1
        )
        SELECT DISTINCT request_id, tin FROM tin_path UNION SELECT request_id, tin FROM name_path
    """,
        params=[str(reference_parquet)],
    ).fetchall()
    con.close()
    return dict(found)
