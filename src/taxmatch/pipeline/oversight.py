"""The oversight report (`taxmatch report`): every batch and call of a period, for overseers and courts.

It shows what was disclosed over time, to whom and for which cases (each
official's caseload beside the agreement's cap), why rows were answered as
they were, the review backlog and its verdicts, and retractions. It states the
terms it was judged under, the software version, the master file's digest and
the signed checkpoint of the log it covers, so a reader can hold the figures to
the log. One HTML file with its charts inline: it opens with no network.
"""

from __future__ import annotations

import datetime as dt
import html
import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from taxmatch import __version__, checkpoint
from taxmatch.agreement import Agreement
from taxmatch.db import oversight
from taxmatch.db.oversight import Period
from taxmatch.pipeline import charts, overlap, transparency
from taxmatch.pipeline.atomic import text, write_atomically
from taxmatch.pipeline.context import Context
from taxmatch.reasons import DESCRIPTION, Reason

TOP_CASES = TOP_OFFICIALS = 30
REPORT = "report.html"  # a released batch's report, beside its results (for the office, not the requester)
STYLE = """body{font-family:system-ui,sans-serif;margin:2rem;max-width:72rem;color:#222}
table{border-collapse:collapse;margin:1rem 0}td,th{border:1px solid #ccc;padding:.3rem .6rem;text-align:left}
th{background:#f3f3f3}td.n{text-align:right;font-variant-numeric:tabular-nums}pre{background:#f6f6f6;padding:.5rem}
figure{margin:1rem 0}"""


@dataclass(frozen=True)
class Oversight:
    period: Period
    made_at: dt.datetime
    agreement: Agreement
    master_sha256: str
    head: checkpoint.Checkpoint
    note: str
    totals: dict[str, int]
    by_day: list[dict[str, Any]]
    officials: list[dict[str, Any]]
    cases: list[dict[str, Any]]
    outcomes: Counter[str]
    reasons: Counter[str]
    backlog: int
    verdicts: list[dict[str, Any]]
    retractions: list[dict[str, Any]]


def gather(ctx: Context, period: Period) -> Oversight:
    """Every figure of the period (or batch), counted in the store, and the log's signed head as it is now."""
    outcomes: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    for row in oversight.decided(ctx.engine, period):
        outcomes[row["outcome"]] += row["rows"]
        for code in str(row["reason_codes"]).split(";"):
            if code:
                reasons[code] += row["rows"]
    note = transparency.make(ctx)
    sign = transparency.signer(ctx.layout)
    meta = ctx.layout.reference_meta
    loaded = json.loads(meta.read_text(encoding="utf-8")) if meta.exists() else {}
    with oversight.entries(ctx.engine, period) as entries:
        return Oversight(
            period,
            ctx.now(),
            ctx.agreement,
            str(loaded.get("master_sha256", "no master file loaded")),
            checkpoint.verify(note, sign.origin, sign.public),
            note,
            oversight.totals(period, entries),
            oversight.entries_by_day(entries),
            oversight.by_official(entries, TOP_OFFICIALS),
            oversight.by_case(entries, TOP_CASES),
            outcomes,
            reasons,
            oversight.review_backlog(ctx.engine),
            oversight.verdicts_given(ctx.engine, period),
            oversight.retractions_done(entries),
        )


def write(ctx: Context, period: Period, out: Path) -> Oversight:
    return _put(gather(ctx, period), out)


def _put(found: Oversight, out: Path) -> Oversight:
    out.parent.mkdir(parents=True, exist_ok=True)
    write_atomically({out: text(render(found))})
    return found


def write_released(ctx: Context, batch_id: str, folder: Path) -> None:
    """A released batch's receipts (checkpoint.txt, receipts.jsonl) and its report (report.html) beside
    its results, under one signed checkpoint. The report's figures are counted by the database in a
    thread of their own while the receipts are made in Python (1.28M rows on a slow machine: 5.6 s and
    11.7 s apart, docs/benchmarks.md 2026-12-07g)."""
    signed = transparency.signed(ctx)  # signed here, once: both below read this checkpoint and write nothing
    with overlap.beside(lambda: gather(ctx, Period(batch=batch_id))) as counted:
        transparency.write_receipts(ctx, batch_id, folder, signed.read)  # its leaves, not read again
        _put(counted.result(), folder / REPORT)


def _e(value: object) -> str:
    return html.escape(str(value))


def _figure(svg: str, caption: str) -> str:
    return f"<figure>{svg}<figcaption>{html.escape(caption)}</figcaption></figure>"


def _terms(o: Oversight) -> str:
    a = o.agreement
    rows: list[list[object]] = [
        ["agreement", a.id],
        ["recipient", a.recipient],
        ["match threshold (probability)", str(a.match_threshold)],
        ["ambiguity margin (bits of match weight)", str(a.ambiguity_margin_bits)],
        ["caseload cap (distinct cases per official)", a.caseload_cap],
        ["caseload window (days)", a.caseload_window_days],
        ["software", f"taxmatch {__version__}"],
        ["master file (SHA-256)", o.master_sha256],
        ["log covered (tree size)", o.head.size],
        ["log covered (root hash, hex)", o.head.root.hex()],
    ]
    return (
        charts.table(["term", "value"], rows)
        + f"<p>The signed checkpoint it covers:</p><pre>{html.escape(o.note)}</pre>"
    )


def _disclosures(o: Oversight) -> str:
    if not o.by_day:
        return "<p>No disclosure or retraction in the period.</p>"
    return _figure(
        charts.over_time("log entries per day", o.by_day, "day", "entries", "kind", "entries (count)"),
        "Each bar: the entries the log took that day (UTC), disclosures and retractions apart.",
    )


def _officials(o: Oversight) -> str:
    if not o.officials:
        return "<p>No official received a disclosure in the period.</p>"
    cap = o.agreement.caseload_cap
    chart = charts.bars(
        f"distinct cases per official (the {len(o.officials)} with most, of {o.totals['officials']:,})",
        o.officials,
        "official",
        "cases",
        "cases (count)",
        cap=float(cap),
        cap_label=f"cap {cap}",
    )
    rows: list[list[object]] = [[r["official"], r["cases"], r["disclosures"]] for r in o.officials]
    cases: list[list[object]] = [[r["case"], r["official"], r["disclosures"]] for r in o.cases]
    return (
        _figure(
            chart,
            f"Distinct cases each official received disclosures for; the dashed line is the cap ({cap}).",
        )
        + charts.table(["official", "cases", "disclosures"], rows)
        + f"<h3>The {len(cases)} cases with the most disclosures</h3>"
        + charts.table(["case", "official", "disclosures"], cases)
    )


def _reasons(o: Oversight) -> str:
    if not o.reasons:
        return "<p>No request row was answered in the period.</p>"
    rows = [{"reason": code, "rows": n} for code, n in o.reasons.most_common()]
    described: list[list[object]] = [
        [code, n, DESCRIPTION.get(Reason(code), "") if code in Reason.__members__ else ""]
        for code, n in o.reasons.most_common()
    ]
    outcomes: list[list[object]] = [[k, n] for k, n in sorted(o.outcomes.items())]
    return (
        charts.table(["outcome", "rows"], outcomes)
        + _figure(charts.bars("request rows per reason code", rows, "reason", "rows", "rows (count)"), "")
        + charts.table(["reason code", "rows", "meaning"], described)
    )


def _reviews(o: Oversight) -> str:
    rows: list[list[object]] = [[v["verdict"], v["outcome"], v["rows"]] for v in o.verdicts]
    given = (
        charts.table(["verdict", "became", "rows"], rows)
        if rows
        else "<p>No verdict was given in the period.</p>"
    )
    return f"<p>Held for review and not yet settled, now: <b>{o.backlog:,}</b> row(s).</p>" + given


def _retractions(o: Oversight) -> str:
    if not o.retractions:
        return "<p>No retraction was carried out in the period.</p>"
    rows: list[list[object]] = [
        [
            r["retraction_id"],
            r["entries"] or 0,
            r["why"],
            r["proposed_by"],
            r["approved_by"],
            str(r["approved_at"]),
        ]
        for r in o.retractions
    ]
    return charts.table(["retraction", "disclosures", "why", "asked by", "carried out by", "when"], rows)


def render(o: Oversight) -> str:
    t = o.totals
    p = o.period
    period = f"batch {p.batch}" if p.batch else f"{p.first} to {p.last}"
    scope = (
        "Counts are of this batch: its disclosures and their retractions, its decisions and verdicts."
        if p.batch
        else "Counts are of the store, over the period's days (UTC)."
    )
    summary: list[list[object]] = [
        ["batches and interactive calls answered", t["batches"]],
        ["request rows answered", t["rows"]],
        ["disclosures", t["disclosures"]],
        ["disclosures retracted", t["retracted"]],
        ["officials disclosed to", t["officials"]],
    ]
    parts = [
        f"<h1>taxmatch oversight report: {_e(period)}</h1>",
        f"<p>Made {_e(o.made_at.isoformat())}. {scope}</p>",
        charts.table(["in the period", "count"], summary),
        "<h2>Terms and what this report covers</h2>",
        _terms(o),
        "<h2>Disclosures over time</h2>",
        _disclosures(o),
        "<h2>Per official and per case</h2>",
        _officials(o),
        "<h2>Why rows were answered as they were</h2>",
        _reasons(o),
        "<h2>Review</h2>",
        _reviews(o),
        "<h2>Retractions</h2>",
        _retractions(o),
    ]
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>taxmatch oversight report {html.escape(period)}</title><style>{STYLE}</style></head>"
        f"<body>{''.join(parts)}</body></html>"
    )
