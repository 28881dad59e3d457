"""The interchange columns (spec/interchange.md): the contract, in one place."""

from __future__ import annotations

REQUEST_COLUMNS: tuple[str, ...] = (
    "request_id",
    "case_number",
    "statute",
    "taxable_periods",
    "reason",
    "official_name",
    "official_title",
    "first_name",
    "middle_name",
    "last_name",
    "suffix",
    "date_of_birth",
    "tin",
    "street_address",
    "unit",
    "city",
    "state",
    "zip",
)
REQUEST_OPTIONAL = frozenset({"middle_name", "suffix", "date_of_birth", "tin", "unit"})

MASTER_COLUMNS: tuple[str, ...] = (
    "tin",
    "tin_type",
    "first_name",
    "middle_name",
    "last_name",
    "suffix",
    "date_of_birth",
    "street_address",
    "unit",
    "city",
    "state",
    "zip",
    "address_as_of",
    "address_source",
)
MASTER_OPTIONAL = frozenset({"middle_name", "suffix", "date_of_birth", "unit"})
ADDRESS_SOURCES = frozenset({"return", "change_of_address", "postal_update"})

DISCLOSED_COLUMNS: tuple[str, ...] = (
    "disclosed_street_address",
    "disclosed_unit",
    "disclosed_city",
    "disclosed_state",
    "disclosed_zip",
)
RESULT_COLUMNS: tuple[str, ...] = (
    "request_id",
    "outcome",
    "reason_codes",
    *DISCLOSED_COLUMNS,
    "disclosure_id",
)
DECISION_COLUMNS: tuple[str, ...] = (
    "request_id",
    "outcome",
    "reason_codes",
    "disclosure_id",
    "matched_tin",
    "candidates",
    "match_probability",
    "runner_up_probability",
    "name_agreement",
    "address_agreement",
    "tin_agreement",
    "dob_agreement",
)

MANIFEST_FIELDS: tuple[str, ...] = (
    "agreement_id",
    "requesting_agency",
    "signer_name",
    "signer_title",
    "signed_on",
    "attestation",
    "request_file_sha256",
)
