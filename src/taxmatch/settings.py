"""Settings: from the environment (TAXMATCH_*), typed, and refusing unsafe values outside development."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from platformdirs import user_data_dir
from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEVELOPMENT_SECRET = "development-only-secret"


def store_dir(flag: Path | None) -> Path:
    if flag is not None:
        return flag
    env = os.environ.get("TAXMATCH_STORE")
    return Path(env) if env else Path(user_data_dir("taxmatch", appauthor=False))


class Settings(BaseSettings):
    """What the service needs to start. Read once at start-up, never at import."""

    model_config = SettingsConfigDict(env_prefix="TAXMATCH_", extra="ignore")

    env: Literal["development", "production"] = "development"
    store: Path | None = None
    database_url: str | None = None
    secret_key: SecretStr = SecretStr(DEVELOPMENT_SECRET)
    max_upload_bytes: int = Field(default=200 * 1024 * 1024, ge=1024)
    max_rows_per_batch: int = Field(default=1_300_000, ge=1)
    batches_per_day: int = Field(default=20, ge=1)
    verify_calls_per_minute: int = Field(default=60, ge=1)

    @model_validator(mode="after")
    def _no_default_secret_in_production(self) -> Settings:
        if self.env != "development" and self.secret_key.get_secret_value() == DEVELOPMENT_SECRET:
            raise ValueError("TAXMATCH_SECRET_KEY must be set outside development")
        return self

    @property
    def store_path(self) -> Path:
        return store_dir(self.store)
