"""Issue 9: the oversight report, its figures held to the store, and opened in Chromium with no network."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import pytest

from taxmatch.db import disclosure, ledger
from taxmatch.db.oversight import Period
from taxmatch.pipeline import oversight, retraction
from tests.conftest import ARTIFACTS, offline_page
from tests.pipeline.conftest import NOW, Store

DAY = NOW.date()


def reported(store: Store, tmp_path: Path) -> tuple[oversight.Oversight, Path, list[dict[str, object]]]:
    """A batch released, its first official's disclosures retracted, and the report of that day."""
    store.answered(store.rows, "first")
    entries = ledger.entries(store.ctx.engine, 0, 10_000)
    official = str(entries[0]["official_name"])
    retraction.retract(
        store.ctx,
        retraction.selection(official=official),
        "Order of the court, 2026-11-20, 25-cv-1",
        "officer",
    )
    out = tmp_path / "report.html"
    return oversight.write(store.ctx, Period(DAY, DAY), out), out, entries


def test_the_report_counts_what_the_log_and_the_decisions_hold(store: Store, tmp_path: Path) -> None:
    found, out, entries = reported(store, tmp_path)
    retracted = sum(1 for e in entries if e["official_name"] == entries[0]["official_name"])
    assert found.totals == {
        "batches": 1,
        "rows": len(store.rows),
        "disclosures": len(entries),
        "retracted": retracted,
        "officials": len({e["official_name"] for e in entries}),
    }
    cases = Counter(str(e["official_name"]) for e in entries)
    top = dict(cases.most_common())
    assert {r["official"]: r["disclosures"] for r in found.officials}.items() <= top.items()
    assert len(found.officials) == min(len(top), oversight.TOP_OFFICIALS)
    assert sum(found.outcomes.values()) == len(store.rows) and found.outcomes["VERIFIED"] == len(entries)
    assert found.head.size == ledger.count(store.ctx.engine) == len(entries) + retracted
    assert [r["entries"] for r in found.retractions] == [retracted]
    page = out.read_text(encoding="utf-8")
    for shown in (
        f"cap {store.ctx.agreement.caseload_cap}",
        str(store.ctx.agreement.match_threshold),
        found.head.root.hex(),
        found.master_sha256,
        "taxmatch ",
        "Order of the court",
        "cases (count)",
        "day (UTC)",
    ):
        assert shown in page, shown
    assert "<script" not in page and "http" not in page.replace("http://www.w3.org", "")


def test_a_batch_report_counts_its_own_disclosures_and_the_retractions_of_them(
    store: Store, tmp_path: Path
) -> None:
    """A batch's report (beside its results) counts the batch's entries and the retractions of them,
    and nothing of another batch, however the log orders them."""
    _, _, entries = reported(store, tmp_path)
    retracted = sum(1 for e in entries if e["official_name"] == entries[0]["official_name"])
    other = disclosure.Disclosure("OTHER", "r1", "123456789", "f", "s", "o", "t", "c", "DHS/ICE", "{}")
    ledger.append(store.ctx.engine, [other], NOW)
    ours = oversight.gather(store.ctx, Period(batch=str(entries[0]["batch_id"])))
    assert ours.totals | {"batches": 0, "rows": 0} == {
        "batches": 0,
        "rows": 0,
        "disclosures": len(entries),
        "retracted": retracted,
        "officials": len({e["official_name"] for e in entries}),
    }
    assert [r["entries"] for r in ours.retractions] == [retracted]
    assert sum(r["entries"] for r in ours.by_day) == len(entries) + retracted
    theirs = oversight.gather(store.ctx, Period(batch="OTHER"))
    assert (theirs.totals["disclosures"], theirs.totals["retracted"], theirs.retractions) == (1, 0, [])


def test_a_period_with_nothing_in_it_says_so(store: Store, tmp_path: Path) -> None:
    reported(store, tmp_path)
    earlier = oversight.gather(store.ctx, Period(DAY - dt.timedelta(days=30), DAY - dt.timedelta(days=1)))
    assert earlier.totals == {"batches": 0, "rows": 0, "disclosures": 0, "retracted": 0, "officials": 0}
    assert "No disclosure or retraction in the period" in oversight.render(earlier)


@pytest.mark.slow
def test_the_report_opens_in_chromium_with_its_charts_and_no_network(store: Store, tmp_path: Path) -> None:
    _, out, _ = reported(store, tmp_path)
    with offline_page(out) as (page, asked):
        charts = page.locator("figure svg")
        assert charts.count() >= 3
        for n in range(charts.count()):
            box = charts.nth(n).bounding_box()
            assert box is not None and box["width"] > 200 and box["height"] > 40
        assert page.locator("figure svg .mark-rect path, figure svg .mark-rect").count() > 0
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "oversight-report.png"), full_page=True)
    assert asked == []
