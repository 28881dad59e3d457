"""The data-sharing agreement: typed, validated, loaded from YAML."""

from __future__ import annotations

import datetime as dt
from importlib import resources
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from taxmatch.errors import AgreementError, Location

DisclosableField = Literal["last_known_address"]


class Safeguards(BaseModel):
    """The recipient's standing under IRC 6103(p)(4)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    open_findings: bool
    corrective_action_plan: bool

    @property
    def in_good_standing(self) -> bool:
        return not self.open_findings or self.corrective_action_plan


class Retention(BaseModel):
    """How long what was received and answered is kept (IRS Publication 1075: only as long as needed).

    The accounting itself (who asked, under what authority, when, about whom as
    the request identified them, what was disclosed) is permanent and never purged.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    uploads_days: int = Field(default=90, ge=1, description="request files and manifests, after release")
    results_days: int = Field(default=30, ge=1, description="released result and decision files")
    decision_details_days: int = Field(
        default=365, ge=1, description="match probabilities, comparison levels and weights of each decision"
    )


class Agreement(BaseModel):
    """One agreement's terms. Unknown keys are an error, like unknown columns."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1)
    recipient: str = Field(min_length=1)
    in_force_from: dt.date
    in_force_to: dt.date
    signer_titles: tuple[str, ...] = Field(min_length=1)
    statutes: tuple[str, ...] = Field(min_length=1)
    period_years_back: int = Field(ge=0, le=10)
    disclosable_fields: tuple[DisclosableField, ...] = Field(min_length=1)
    caseload_cap: int = Field(ge=1)
    caseload_window_days: int = Field(default=365, ge=1, le=3660)
    recipient_safeguards: Safeguards
    match_threshold: float = Field(ge=0.9, lt=1.0)
    ambiguity_margin_bits: float = Field(ge=1.0)
    max_field_length: int = Field(ge=50, le=10_000)
    retention: Retention = Retention()

    @model_validator(mode="after")
    def _dates_in_order(self) -> Agreement:
        if self.in_force_to < self.in_force_from:
            raise ValueError("in_force_to is before in_force_from")
        return self

    def in_force(self, day: dt.date) -> bool:
        return self.in_force_from <= day <= self.in_force_to

    def period_window(self, signed_on: dt.date) -> tuple[int, int]:
        return signed_on.year - self.period_years_back, signed_on.year


def default_path() -> Path:
    return Path(str(resources.files("taxmatch") / "data" / "agreement.yaml"))


def load(path: Path | None = None) -> Agreement:
    """Read and validate an agreement file; the packaged default when no path is given."""
    path = path or default_path()
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise AgreementError(
            f"cannot read agreement: {exc}", where=Location(str(path)), fix="Pass a readable UTF-8 YAML file."
        ) from exc
    try:
        return Agreement.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or None
        raise AgreementError(
            f"invalid agreement: {first['msg']}",
            where=Location(str(path), column=field),
            fix="Correct that field; see docs/agreement.md.",
        ) from exc
