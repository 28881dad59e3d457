"""`taxmatch model report`: the model's match-weights and m/u charts (Splink's own), drawn offline, and
its parameters as CSV, with one page that shows them together."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from taxmatch.matching import model_charts, reference
from taxmatch.pipeline import charts
from taxmatch.pipeline.atomic import csv_writer, text, write_atomically
from taxmatch.pipeline.context import Context

FILES = ("match-weights.svg", "m-u-parameters.svg", "parameters.csv", "model.html")


@dataclass(frozen=True)
class Written:
    folder: Path
    levels: int


def _shown(value: object) -> str:
    """A parameter as the page shows it: four significant digits, blank where the level has none."""
    if value is None:
        return ""
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def write(ctx: Context, folder: Path) -> Written:
    """The four files into `folder` (all or none)."""
    found = model_charts.of(reference.open_reference(ctx.layout, ctx.budget))
    weights, m_u = charts.spec(found.match_weights), charts.spec(found.m_u_parameters)
    rows = [[_shown(r[c]) for c in model_charts.PARAMETER_COLUMNS] for r in found.parameters]
    page = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        "<title>taxmatch: the matching model</title>"
        "</head><body style='font-family:system-ui,sans-serif;margin:2rem'>"
        "<h1>The matching model</h1><p>What each comparison level is worth, as match weight in bits "
        "(log2 of m/u: each bit doubles the odds that two records are the same person), and the m and u "
        f"probabilities it comes from. Prior: {found.prior:.3g}.</p>"
        f"<figure>{weights}</figure><figure>{m_u}</figure>"
        + charts.table(list(model_charts.PARAMETER_COLUMNS), rows)
        + "</body></html>"
    )
    folder.mkdir(parents=True, exist_ok=True)
    write_atomically(
        {
            folder / FILES[0]: text(weights),
            folder / FILES[1]: text(m_u),
            folder / FILES[2]: csv_writer(model_charts.PARAMETER_COLUMNS, found.parameters),
            folder / FILES[3]: text(page),
        }
    )
    return Written(folder, len(found.parameters))
