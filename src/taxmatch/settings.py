"""Settings: from the environment (TAXMATCH_*), typed, and refusing unsafe values outside development.

This is the only module that reads the environment. The CLI and the service
each build one Settings at start-up and pass what it says down; nothing reads
it at import time.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from platformdirs import user_data_dir
from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from taxmatch.layout import Layout

DEVELOPMENT_SECRET = "development-only-secret"


class Settings(BaseSettings):
    """What the command line and the service need. Read once at start-up, never at import."""

    model_config = SettingsConfigDict(env_prefix="TAXMATCH_", extra="ignore")

    env: Literal["development", "production"] = "development"
    store: Path | None = Field(
        default=None, description="The store directory; a per-user data directory if unset."
    )
    database_url: str | None = Field(
        default=None, description="Any SQLAlchemy URL; the store's SQLite file if unset."
    )
    secret_key: SecretStr = SecretStr(DEVELOPMENT_SECRET)
    max_upload_bytes: int = Field(default=200 * 1024 * 1024, ge=1024)
    max_rows_per_batch: int = Field(default=1_300_000, ge=1)
    batches_per_day: int = Field(default=20, ge=1)
    verify_calls_per_minute: int = Field(default=60, ge=1)
    failed_logins_per_minute: int = Field(
        default=10, ge=1, description="Failed credentials allowed per client id and per source address."
    )

    @model_validator(mode="after")
    def _no_default_secret_in_production(self) -> Settings:
        if self.env != "development" and self.secret_key.get_secret_value() == DEVELOPMENT_SECRET:
            raise ValueError("TAXMATCH_SECRET_KEY must be set outside development")
        return self

    @classmethod
    def with_store(cls, store: Path | None) -> Settings:
        """The settings, with a --store flag (when given) in place of TAXMATCH_STORE."""
        return cls(store=store) if store is not None else cls()

    @property
    def store_path(self) -> Path:
        return self.store or Path(user_data_dir("taxmatch", appauthor=False))

    @property
    def layout(self) -> Layout:
        return Layout(self.store_path)
