"""The HTML report of a processed batch and its evaluation, for overseers."""

from __future__ import annotations

import html
from collections.abc import Sequence
from pathlib import Path

from taxmatch.lab.evaluate import Evaluation, Tally
from taxmatch.pipeline import charts
from taxmatch.pipeline.results import BatchReport
from taxmatch.reasons import DESCRIPTION, Reason

STYLE = """body{font-family:system-ui,sans-serif;margin:2rem;max-width:70rem;color:#222}
table{border-collapse:collapse;margin:1rem 0}td,th{border:1px solid #ccc;padding:.3rem .6rem;text-align:left}
th{background:#f3f3f3}td.n{text-align:right;font-variant-numeric:tabular-nums}.bad{color:#a00;font-weight:bold}"""


def bars(title: str, items: Sequence[tuple[str, float]], unit: str = "rows") -> str:
    """A horizontal bar chart, drawn offline to inline SVG (pipeline/charts.py)."""
    return charts.bars(title, [{"label": k, "value": v} for k, v in items], "label", "value", unit)


def _tally_row(name: str, t: Tally) -> list[object]:
    return [name, t.disclosures, t.unlawful, t.wrong_person]


def render(report: BatchReport, evaluation: Evaluation | None) -> str:
    parts = [
        f"<h1>taxmatch batch {html.escape(report.batch_id)}</h1>",
        "<h2>Outcomes</h2>",
        bars("rows per outcome", [(o, float(n)) for o, n in sorted(report.outcomes.items())]),
        charts.table(["outcome", "rows"], sorted(report.outcomes.items())),
        "<h2>Reason codes</h2>",
        charts.table(
            ["code", "rows", "meaning"],
            [(c, n, DESCRIPTION[Reason(c)]) for c, n in report.reasons.most_common()],
        ),
    ]
    if evaluation is not None:
        processes = [("taxmatch", evaluation.taxmatch)]
        if evaluation.baseline is not None:
            processes.append(("2025-style process", evaluation.baseline))
        tallies = [_tally_row(name, t) for name, t in processes]
        parts += [
            "<h2>Against ground truth</h2>",
            bars("unlawful disclosures", [(name, float(t.unlawful)) for name, t in processes], "disclosures"),
            charts.table(["process", "disclosures", "unlawful", "wrong person"], tallies),
            charts.table(
                ["measure", "value"],
                [
                    ("findable requests", evaluation.findable),
                    ("disclosed for the right person", evaluation.recalled),
                    ("recall", f"{evaluation.recall:.4f}"),
                    ("REVIEW rate", f"{evaluation.review_rate:.4f}"),
                ],
            ),
            "<h2>Error rates by surname origin</h2>",
            "<p>Origin is the census majority for the surname (hispanic, asian, other), so that a "
            "disparity in recall or in rows held for review is visible.</p>",
            bars(
                "recall of findable requests",
                [(o, g.recall) for o, g in evaluation.by_origin.items()],
                "recall",
            ),
            charts.table(
                ["origin", "rows", "findable", "recall", "held for review", "missed", "wrong person"],
                [
                    (o, g.rows, g.findable, f"{g.recall:.4f}", g.reviewed, g.missed, g.wrong_person)
                    for o, g in evaluation.by_origin.items()
                ],
            ),
            "<h2>Outcomes by kind of request</h2>",
            charts.table(
                ["kind", "VERIFIED", "NO_MATCH", "REVIEW", "REJECTED"],
                [
                    (k, *(c.get(o, 0) for o in ("VERIFIED", "NO_MATCH", "REVIEW", "REJECTED")))
                    for k, c in sorted(evaluation.by_kind.items())
                ],
            ),
        ]
    head = f"<meta charset='utf-8'><title>taxmatch report</title><style>{STYLE}</style>"
    return f"<!doctype html><html><head>{head}</head><body>{''.join(parts)}</body></html>"


def write(path: Path, report: BatchReport, evaluation: Evaluation | None) -> None:
    path.write_text(render(report, evaluation), encoding="utf-8")
