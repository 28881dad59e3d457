"""The HTML report of a processed batch and its evaluation, for overseers."""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from pathlib import Path

from taxmatch.lab.evaluate import Evaluation, Tally
from taxmatch.pipeline.results import BatchReport
from taxmatch.reasons import DESCRIPTION, Reason

STYLE = """body{font-family:system-ui,sans-serif;margin:2rem;max-width:70rem;color:#222}
table{border-collapse:collapse;margin:1rem 0}td,th{border:1px solid #ccc;padding:.3rem .6rem;text-align:left}
th{background:#f3f3f3}td.n{text-align:right;font-variant-numeric:tabular-nums}.bad{color:#a00;font-weight:bold}"""


def _table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="n">{v:,}</td>' if isinstance(v, int) else f"<td>{html.escape(str(v))}</td>"
            for v in row
        )
        + "</tr>"
        for row in rows
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def bars(title: str, items: Sequence[tuple[str, float]], unit: str = "") -> str:
    """A horizontal bar chart as inline SVG: no script, no network, prints as it shows."""
    top = max((v for _, v in items), default=0.0) or 1.0
    height = 22 * len(items) + 30
    rows = []
    for i, (label, value) in enumerate(items):
        y = 26 + 22 * i
        width = 360 * value / top
        rows.append(
            f'<text x="0" y="{y + 12}" font-size="12">{html.escape(label)}</text>'
            f'<rect x="170" y="{y}" width="{width:.1f}" height="16" fill="#4a6fa5"/>'
            f'<text x="{176 + width:.1f}" y="{y + 12}" font-size="12">{value:,.4g}{html.escape(unit)}</text>'
        )
    return (
        f'<svg role="img" aria-label="{html.escape(title)}" width="640" height="{height}">'
        f'<text x="0" y="14" font-size="13" font-weight="bold">{html.escape(title)}</text>'
        f"{''.join(rows)}</svg>"
    )


def _tally_row(name: str, t: Tally) -> list[object]:
    return [name, t.disclosures, t.unlawful, t.wrong_person]


def render(report: BatchReport, evaluation: Evaluation | None) -> str:
    parts = [
        f"<h1>taxmatch batch {html.escape(report.batch_id)}</h1>",
        "<h2>Outcomes</h2>",
        bars("rows per outcome", [(o, float(n)) for o, n in sorted(report.outcomes.items())]),
        _table(["outcome", "rows"], sorted(report.outcomes.items())),
        "<h2>Reason codes</h2>",
        _table(
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
            bars("unlawful disclosures", [(name, float(t.unlawful)) for name, t in processes]),
            _table(["process", "disclosures", "unlawful", "wrong person"], tallies),
            _table(
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
            bars("recall of findable requests", [(o, g.recall) for o, g in evaluation.by_origin.items()]),
            _table(
                ["origin", "rows", "findable", "recall", "held for review", "missed", "wrong person"],
                [
                    (o, g.rows, g.findable, f"{g.recall:.4f}", g.reviewed, g.missed, g.wrong_person)
                    for o, g in evaluation.by_origin.items()
                ],
            ),
            "<h2>Outcomes by kind of request</h2>",
            _table(
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
