"""The store directory's layout: every path taxmatch keeps, named in one place.

::

    STORE/
    ├── taxmatch.db            the SQLite database (unless TAXMATCH_DATABASE_URL names another)
    ├── reference/             the loaded master: reference.parquet, last_known.parquet,
    │                          tf_*.parquet, model.json, reference.json (matching/reference.py)
    ├── uploads/BATCH/         a submitted batch's manifest.json and requests.csv|parquet
    ├── results/BATCH/         its results.csv and decisions.csv
    ├── calls/CALL/            an interactive call's requests.csv and manifest.json (the record)
    ├── spill/                 DuckDB's temporary files beyond the memory budget
    ├── ledger.key             the log's Ed25519 signing key (mode 0600), made when first needed
    └── ledger.origin          the log's name in its checkpoints, made with the key

A batch id holds a colon (`AGREEMENT:DIGEST`); its folder name does not.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

DATABASE_FILE = "taxmatch.db"


def folder_name(batch_id: str) -> str:
    """A batch id as a folder name (no colon, which some file systems refuse)."""
    return batch_id.replace(":", "_")


@dataclass(frozen=True)
class Layout:
    """Where each kind of file lives under one store directory."""

    root: Path

    @property
    def database(self) -> Path:
        return self.root / DATABASE_FILE

    @property
    def reference(self) -> Path:
        return self.root / "reference"

    @property
    def reference_meta(self) -> Path:
        return self.reference / "reference.json"

    @property
    def reference_staging(self) -> Path:
        """Where a master load builds the next reference before it replaces the current one."""
        return self.root / "reference.loading"

    @property
    def reference_retired(self) -> Path:
        return self.root / "reference.old"

    @property
    def spill(self) -> Path:
        """Where DuckDB spills what does not fit in the memory budget (on the store's own disk)."""
        return self.root / "spill"

    @property
    def uploads(self) -> Path:
        return self.root / "uploads"

    @property
    def calls(self) -> Path:
        return self.root / "calls"

    def upload(self, batch_id: str) -> Path:
        return self.uploads / folder_name(batch_id)

    def results(self, batch_id: str) -> Path:
        return self.root / "results" / folder_name(batch_id)

    def call(self, call_id: str) -> Path:
        return self.calls / folder_name(call_id)

    @property
    def ledger_key(self) -> Path:
        return self.root / "ledger.key"

    @property
    def ledger_origin(self) -> Path:
        return self.root / "ledger.origin"

    @property
    def has_master(self) -> bool:
        return self.reference_meta.exists()
