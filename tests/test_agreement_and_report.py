from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from taxmatch import agreement
from taxmatch.errors import AgreementError
from taxmatch.lab import report
from taxmatch.lab.evaluate import Evaluation, Tally
from taxmatch.pipeline.results import Answer, BatchReport
from taxmatch.reasons import Outcome, Reason
from taxmatch.rules.decide import Decision


def test_default_agreement_models_the_2025_terms() -> None:
    terms = agreement.load()
    assert (terms.id, terms.recipient, terms.caseload_cap) == ("IRS-DHS-2025-04", "DHS/ICE", 50)
    assert terms.disclosable_fields == ("last_known_address",)


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        ("match_threshold: 0.5", "match_threshold"),
        ("surprise: 1", "surprise"),
        ("in_force_to: 2020-01-01", "in_force_to is before"),
    ],
)
def test_unsafe_or_unknown_agreement_values_are_refused(tmp_path: Path, change: str, needle: str) -> None:
    text = agreement.default_path().read_text(encoding="utf-8")
    key = change.split(":")[0]
    lines = [line for line in text.splitlines() if not line.startswith(f"{key}:")]
    path = tmp_path / "agreement.yaml"
    path.write_text("\n".join([*lines, change]) + "\n", encoding="utf-8")
    with pytest.raises(AgreementError) as info:
        agreement.load(path)
    assert needle in info.value.message and str(path) in info.value.message


def test_unreadable_agreement(tmp_path: Path) -> None:
    with pytest.raises(AgreementError, match="cannot read"):
        agreement.load(tmp_path / "missing.yaml")


def test_report_shows_counts_and_escapes_text() -> None:
    answers = [
        Answer("<r1>", Decision(Outcome.REJECTED, (Reason.ADDRESS_PLACEHOLDER,))),
        Answer("r2", Decision(Outcome.NO_MATCH, (Reason.NO_CANDIDATE,))),
    ]
    evaluation = Evaluation(
        rows=2,
        outcomes=Counter({"REJECTED": 1, "NO_MATCH": 1}),
        findable=0,
        recalled=0,
        taxmatch=Tally(),
        baseline=Tally(2, 2, 1),
        by_kind={"<kind>": Counter({"REJECTED": 1})},
    )
    html = report.render(BatchReport("B<1>", answers), evaluation)
    assert "B&lt;1&gt;" in html and "<kind>" not in html
    assert "ADDRESS_PLACEHOLDER" in html and "2025-style process" in html
    assert '<td>2025-style process</td><td class="n">2</td>' in html
    assert html.count("<svg") == 3 and "unlawful disclosures" in html
