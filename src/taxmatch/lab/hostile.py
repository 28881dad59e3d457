"""A corpus of hostile and awkward inputs, generated (never hand-kept binaries), with what each must get.

Every case is a request file and a manifest, as a requester could send them,
and the answer taxmatch owes it: refused whole (exit 2 on the command line,
a 4xx from the service, nothing stored, a message saying what, where and what
to do) or accepted (every row answered, formula-like cells escaped on the way
out). tests/test_hostile.py runs each case through both edges and holds it to
a time and memory budget; scripts/hostile_corpus.py writes the corpus to disk.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.parquet as pq

from taxmatch.interchange import REQUEST_COLUMNS

MANIFEST = {
    "agreement_id": "IRS-DHS-2025-04",
    "requesting_agency": "DHS/ICE",
    "signer_name": "A. Signer",
    "signer_title": "Secretary of Homeland Security",
    "signed_on": "2026-11-02",
    "attestation": "Used only by the officers named, solely for these investigations.",
}
FORMULAS = ("=", "+", "-", "@")


@dataclass(frozen=True)
class Case:
    name: str
    requests: bytes
    filename: str = "requests.csv"
    manifest: bytes | None = None  # None: a JSON manifest whose digest covers `requests`
    accepted: bool = False  # the file is lawful to send: every row is answered
    needle: str = ""  # a word the refusal must contain
    cli: bool = True  # some cases exist only over HTTP (a multipart body, a file name)
    api_status: int = 422
    tags: tuple[str, ...] = field(default=())

    def manifest_bytes(self) -> bytes:
        if self.manifest is not None:
            return self.manifest
        digest = hashlib.sha256(self.requests).hexdigest()
        return json.dumps({**MANIFEST, "request_file_sha256": digest}).encode("utf-8")


def row(n: int, **changes: str) -> dict[str, str]:
    """A lawful request row (a made-up person at a made-up address)."""
    base = dict.fromkeys(REQUEST_COLUMNS, "")
    base.update(
        request_id=f"H{n:05d}",
        case_number=f"A{n:09d}",
        statute="8 U.S.C. 1253(a)(1)",
        taxable_periods="2024;2025",
        reason="Final order of removal.",
        official_name=f"Officer {n % 7:04d}",
        official_title="Deportation Officer",
        first_name="Maria",
        last_name="Garcia Lopez",
        street_address=f"{100 + n} W Main Street",
        city="Springfield",
        state="IL",
        zip="62701",
    )
    base.update(changes)
    return base


def csv_bytes(rows: list[dict[str, str]], header: list[str] | None = None, newline: str = "\n") -> bytes:
    import csv

    text = io.StringIO()
    writer = csv.writer(text, lineterminator=newline)
    writer.writerow(header or list(REQUEST_COLUMNS))
    writer.writerows([r.get(c, "") for c in REQUEST_COLUMNS] for r in rows)
    return text.getvalue().encode("utf-8")


def parquet_bytes(table: pa.Table) -> bytes:
    out = io.BytesIO()
    pq.write_table(table, out)
    return out.getvalue()


def _with_column(column: str, array: pa.Array) -> bytes:
    table = pa.Table.from_pylist([row(1)])
    return parquet_bytes(table.set_column(table.column_names.index(column), column, array))


def _alias_bomb(levels: int) -> bytes:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"a{n}: &a{n} [" + ",".join([f"*a{n - 1}"] * 9) + "]" for n in range(1, levels + 1)]
    fields = "\n".join(f"{k}: {json.dumps(v)}" for k, v in MANIFEST.items() if k != "attestation")
    return (fields + "\n" + "\n".join(lines) + f"\nattestation: *a{levels}\n").encode("utf-8")


def _manifest_text(text: str) -> bytes:
    return text.encode("utf-8")


def _requests_cases() -> Iterator[Case]:
    good = [row(n) for n in range(1, 4)]
    body = csv_bytes(good)
    yield Case("empty file", b"", needle="empty")
    yield Case("header only", csv_bytes([]), needle="no request rows")
    yield Case("byte-order mark", b"\xef\xbb\xbf" + body, accepted=True)
    yield Case("CRLF line endings", csv_bytes(good, newline="\r\n"), accepted=True)
    yield Case("Latin-1, not UTF-8", body.replace(b"Garcia", "García".encode("latin-1")), needle="UTF-8")
    yield Case("a NUL byte", body.replace(b"Maria", b"Ma\x00ria", 1), needle="NUL")
    yield Case("a 50 MB field", csv_bytes([row(1, reason="x" * 50_000_000)]), needle="field", tags=("large",))
    header = list(REQUEST_COLUMNS)
    yield Case("a duplicated header", csv_bytes(good, [*header[:-1], "zip", "zip"]), needle="column")
    yield Case("an extra header", csv_bytes(good, [*header, "notes"]), needle="unknown column")
    yield Case("ragged rows", body + b"H9,only,three\n", needle="fields where the header has")
    yield Case("bad quoting", body + b'H9,"unclosed,x\n', needle="CSV")
    yield Case("a repeated request id", csv_bytes([row(1), row(1)]), needle="repeats")
    yield Case("an empty request id", csv_bytes([row(1, request_id="")]), needle="request_id is empty")
    every_formula = {c: f"{FORMULAS[i % 4]}SUM(A{i})" for i, c in enumerate(REQUEST_COLUMNS)}
    yield Case("formula cells in every column", csv_bytes([row(1, **every_formula)]), accepted=True)
    yield Case(
        "request ids like formulas",
        csv_bytes([row(n, request_id=f"{p}R{n}") for n, p in enumerate(FORMULAS)]),
        accepted=True,
    )
    tiny = (
        ",".join(REQUEST_COLUMNS).encode()
        + b"\n"
        + b"".join(f"R{i}".encode() + b"," * (len(REQUEST_COLUMNS) - 1) + b"\n" for i in range(2_000_000))
    )
    yield Case("2,000,000 tiny rows", tiny, needle="rows is more than", api_status=413, tags=("large",))
    yield Case("a .xlsx file", b"PK\x03\x04 not a spreadsheet", filename="requests.xlsx", needle="neither")
    yield Case(
        "a path in the file name",
        body,
        filename="../../../../etc/cron.d/requests.csv",
        accepted=True,
        cli=False,
    )


def _parquet_cases() -> Iterator[Case]:
    yield Case("Parquet: an integer zip", _with_column("zip", pa.array([1570])), "r.parquet", needle="int64")
    yield Case("Parquet: a binary TIN", _with_column("tin", pa.array([b"1"])), "r.parquet", needle="binary")
    yield Case("Parquet: a list", _with_column("unit", pa.array([["4", "B"]])), "r.parquet", needle="list")
    yield Case(
        "Parquet: a struct", _with_column("city", pa.array([{"n": "x"}])), "r.parquet", needle="struct"
    )
    yield Case("Parquet: not Parquet at all", b"PAR1 nonsense", "r.parquet", needle="Parquet")


def _manifest_cases() -> Iterator[Case]:
    body = csv_bytes([row(1)])
    digest = hashlib.sha256(body).hexdigest()
    fields = {**MANIFEST, "request_file_sha256": digest}
    as_yaml = "\n".join(f"{k}: {json.dumps(v)}" for k, v in fields.items()) + "\n"

    def manifest(name: str, text: bytes, needle: str) -> Case:
        return Case(f"manifest: {name}", body, manifest=text, needle=needle)

    yield manifest("an alias bomb, 9 levels", _alias_bomb(9), "aliases")
    yield manifest("an alias bomb, 7 levels", _alias_bomb(7), "aliases")
    yield manifest(
        "a python tag", _manifest_text(as_yaml + "x: !!python/object/apply:os.system ['true']\n"), "tag"
    )
    yield manifest(
        "a list as the attestation", json.dumps({**fields, "attestation": ["a"]}).encode(), "lists"
    )
    yield manifest("a number", json.dumps({**fields, "attestation": 7}).encode(), "not text")
    yield manifest(
        "a 10,000-digit number",
        json.dumps({**fields, "attestation": 0}).replace(": 0", ": " + "9" * 10_000).encode(),
        "not text",
    )
    yield manifest(
        "nested 50,000 deep", ('{"attestation": ' + "[" * 50_000 + "]" * 50_000 + "}").encode(), ""
    )
    yield manifest("larger than 64 KiB", _manifest_text(as_yaml + "#" * 70_000 + "\n"), "larger than")
    yield manifest("two documents", _manifest_text(as_yaml + "---\n" + as_yaml), "one document")
    yield manifest("a key twice", _manifest_text(as_yaml + 'attestation: "again"\n'), "twice")
    yield manifest("not UTF-8", json.dumps(fields).encode("utf-16"), "")
    crlf = body.replace(b"\n", b"\r\n")
    yield Case(
        "the file re-saved after signing (CRLF)",
        crlf,
        manifest=json.dumps(fields).encode(),
        needle="integrity",
    )


CASES: tuple[Callable[[], Iterator[Case]], ...] = (_requests_cases, _parquet_cases, _manifest_cases)


def corpus() -> list[Case]:
    """Every case, in a fixed order."""
    return [case for make in CASES for case in make()]
