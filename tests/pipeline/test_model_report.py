"""Issue 11: `taxmatch model report`: Splink's own charts of the saved model, drawn offline, with m and u."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from typer.testing import CliRunner

from taxmatch.cli import app
from taxmatch.matching import model_charts, reference
from taxmatch.pipeline import model_report
from tests.conftest import ARTIFACTS, offline_page
from tests.pipeline.conftest import Store


@pytest.mark.parametrize("store", ["sqlite"], indirect=True)
def test_the_report_draws_splinks_charts_and_lists_every_level(store: Store, tmp_path: Path) -> None:
    done = CliRunner().invoke(
        app, ["model", "report", "--out", str(tmp_path / "model"), "--store", str(store.ctx.layout.root)]
    )
    assert done.exit_code == 0, done.output
    folder = tmp_path / "model"
    assert sorted(p.name for p in folder.iterdir()) == sorted(model_report.FILES)
    found = model_charts.of(reference.open_reference(store.ctx.layout))
    with (folder / "parameters.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == len(found.parameters) > 10
    surname = [r for r in rows if r["comparison"] == "surname" and r["level"].endswith("exact")]
    assert surname and float(surname[0]["match_weight_bits"]) > 5  # an exact surname is strong evidence
    assert {r["comparison"] for r in rows} >= {"surname", "first_name", "address", "tin", "dob"}
    weights = (folder / "match-weights.svg").read_text(encoding="utf-8")
    assert weights.startswith("<svg") and "Comparison level match weight" in weights
    page = (folder / "model.html").read_text(encoding="utf-8")
    assert page.count("<svg") == 2 and "<script" not in page


@pytest.mark.slow
@pytest.mark.parametrize("store", ["sqlite"], indirect=True)
def test_the_model_page_opens_in_chromium_with_no_network(store: Store, tmp_path: Path) -> None:
    model_report.write(store.ctx, tmp_path / "model")
    with offline_page(tmp_path / "model" / "model.html") as (page, asked):
        boxes = [page.locator("figure svg").nth(n).bounding_box() for n in range(2)]
        assert all(b is not None and b["width"] > 300 and b["height"] > 300 for b in boxes)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "model-charts.png"), full_page=True)
    assert asked == []
