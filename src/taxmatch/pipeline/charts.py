"""Charts and tables for the reports: Vega-Lite specs (Altair) drawn to static SVG (vl-convert).

Drawn on this machine, with no script and no network: the SVG is inline in the
page, so a report opens, prints and archives as it shows. Every chart names its
axes and their units.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from typing import Any

import altair as alt
import vl_convert

WIDTH = 640
BAR = "#4a6fa5"
CAP = "#a00"


def svg(chart: alt.TopLevelMixin) -> str:
    """The chart as an SVG element, to sit inline in an HTML page."""
    return spec(chart.to_dict())


def _data(rows: Sequence[dict[str, Any]]) -> alt.Data:
    """Rows inlined in the spec (no data frame library, no file beside the chart)."""
    return alt.Data(values=[dict(r) for r in rows])  # type: ignore[no-untyped-call]


def bars(
    title: str,
    rows: Sequence[dict[str, Any]],
    category: str,
    value: str,
    unit: str,
    *,
    cap: float | None = None,
    cap_label: str = "",
) -> str:
    """Horizontal bars, largest first; `cap` draws a limit (the agreement's caseload cap) across them."""
    data = _data(rows)
    base = alt.Chart(data).properties(title=title, width=WIDTH - 220, height=max(22 * len(rows), 40))
    drawn: alt.Chart | alt.LayerChart | alt.FacetChart = base.mark_bar(color=BAR).encode(
        x=alt.X(f"{value}:Q", title=unit),
        y=alt.Y(f"{category}:N", sort="-x", title=None),
    )
    if cap is not None:
        limit = alt.Chart(_data([{"cap": cap, "label": cap_label}]))
        drawn = alt.layer(
            drawn,
            limit.mark_rule(color=CAP, strokeDash=[4, 3]).encode(x="cap:Q"),
            limit.mark_text(color=CAP, align="left", dx=4, dy=-6).encode(x="cap:Q", text="label:N"),
        ).properties(title=title)
    return svg(drawn)


def over_time(
    title: str, rows: Sequence[dict[str, Any]], day: str, value: str, series: str, unit: str
) -> str:
    """Counts per day, one bar colour per series (disclosures, retractions)."""
    data = _data(rows)
    chart = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X(f"{day}:O", title="day (UTC)"),
            y=alt.Y(f"{value}:Q", title=unit),
            color=alt.Color(f"{series}:N", title=None),
        )
        .properties(title=title, width=WIDTH - 140, height=220)
    )
    return svg(chart)


def table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """An HTML table, every cell escaped; whole numbers right-aligned with thousands separators."""
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


def waterfall(title: str, steps: Sequence[dict[str, Any]], threshold_bits: float) -> str:
    """A candidate's match weight built up step by step: the prior, then each comparison's bits; the
    dashed line is the match weight the agreement's threshold needs."""
    rows = [
        {
            "step": f"{n}. {s['comparison']}: {s['level']}",
            "start": s["total"] - s["bits"] if n else 0.0,
            "end": s["total"],
            "bits": s["bits"],
            "sign": "prior" if n == 0 else ("for" if s["bits"] >= 0 else "against"),
        }
        for n, s in enumerate(steps)
    ]
    order = [r["step"] for r in rows]
    colours = alt.Scale(domain=["prior", "for", "against"], range=["#888", "#2e7d32", "#c62828"])
    bars = (
        alt.Chart(_data(rows))
        .mark_bar()
        .encode(
            x=alt.X("start:Q", title="match weight (bits)"),
            x2="end:Q",
            y=alt.Y("step:N", sort=order, title=None),
            color=alt.Color("sign:N", scale=colours, title=None),
        )
    )
    line = alt.Chart(_data([{"bits": threshold_bits, "label": "threshold"}]))
    drawn = alt.layer(
        bars,
        line.mark_rule(color=CAP, strokeDash=[4, 3]).encode(x="bits:Q"),
        line.mark_text(color=CAP, align="left", dx=4, dy=-6).encode(x="bits:Q", text="label:N"),
    ).properties(title=title, width=WIDTH - 300, height=22 * len(rows))
    return svg(drawn)


def spec(vega_lite: dict[str, Any]) -> str:
    """A Vega-Lite spec made elsewhere (Splink's own charts) drawn to SVG the same way."""
    drawn: str = vl_convert.vegalite_to_svg(vega_lite)
    return drawn[drawn.index("<svg") :]
