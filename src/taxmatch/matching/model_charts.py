"""The trained model's own charts, as Splink draws them: what each comparison level is worth.

Splink's chart specifications (Vega-Lite) are made from the saved model alone,
with no data and no network: the match weight of every comparison level, and
its m and u probabilities. A reviewer or a court can see from them how much
an exact surname, a fuzzy address or a missing date of birth counts for.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from splink.internals.settings_creator import SettingsCreator

from taxmatch.matching.reference import Reference

PARAMETER_COLUMNS = (
    "comparison",
    "level",
    "m_probability",
    "u_probability",
    "bayes_factor",
    "match_weight_bits",
)


@dataclass(frozen=True)
class ModelCharts:
    match_weights: dict[str, Any]  # Vega-Lite
    m_u_parameters: dict[str, Any]  # Vega-Lite
    parameters: list[dict[str, object]]  # one row per comparison level
    prior: float  # the probability that two records picked at random are the same person


def of(ref: Reference) -> ModelCharts:
    """The charts and parameters of the model saved with this master."""
    model = ref.model()
    settings = SettingsCreator.from_path_or_dict(model).get_settings("duckdb")
    levels = [r.as_dict() for r in settings._parameters_as_detailed_records]
    rows: list[dict[str, object]] = [
        {
            "comparison": r["comparison_name"],
            "level": r["label_for_charts"],
            "m_probability": r["m_probability"],
            "u_probability": r["u_probability"],
            "bayes_factor": r["bayes_factor"],
            "match_weight_bits": r["log2_bayes_factor"],
        }
        for r in levels
        if r["comparison_name"] != "probability_two_random_records_match"
    ]
    return ModelCharts(
        settings.match_weights_chart().chart_dict,  # type: ignore[no-untyped-call]
        settings.m_u_parameters_chart().chart_dict,  # type: ignore[no-untyped-call]
        rows,
        float(model["probability_two_random_records_match"]),
    )
