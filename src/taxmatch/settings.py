"""Settings: from the environment (TAXMATCH_*), typed, and refusing unsafe values outside development.

This is the only module that reads the environment. The CLI and the service
each build one Settings at start-up and pass what it says down; nothing reads
it at import time.
"""

from __future__ import annotations

import os
import re
from enum import StrEnum
from pathlib import Path
from typing import Literal

from platformdirs import user_data_dir
from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from taxmatch.layout import Layout

DEVELOPMENT_SECRET = "development-only-secret"
_UNITS = {"": 1, "B": 1, "KB": 1000, "MB": 1000**2, "GB": 1000**3, "TB": 1000**4}
_UNITS |= {"KIB": 1024, "MIB": 1024**2, "GIB": 1024**3, "TIB": 1024**4}


def byte_size(text: str) -> int:
    """'8GB' -> 8_000_000_000, '512MiB' -> 536_870_912; ValueError for anything else."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([A-Za-z]*)\s*", text)
    unit = match.group(2).upper() if match else "?"
    if match is None or unit not in _UNITS:
        raise ValueError(f"{text!r} is not a size such as 8GB or 512MiB")
    return int(float(match.group(1)) * _UNITS[unit])


class Engine(StrEnum):
    """Where a batch's candidates are scored: DuckDB in this process, or a Spark cluster."""

    DUCKDB = "duckdb"
    SPARK = "spark"


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
    memory_limit: str | None = Field(
        default=None,
        description="What DuckDB may hold in memory, e.g. 8GB or 512MiB; the rest spills to the "
        "store's disk. Default: half of this machine's memory.",
    )
    engine: Engine = Field(
        default=Engine.DUCKDB, description="Where batches are scored: duckdb (this process) or spark."
    )
    spark_master: str = Field(
        default="local[2]",
        description="The Spark master URL when the engine is spark: local[N], spark://host:7077, yarn, "
        "k8s://https://host:port.",
    )
    failed_logins_per_minute: int = Field(
        default=10, ge=1, description="Failed credentials allowed per client id and per source address."
    )

    @model_validator(mode="after")
    def _no_default_secret_in_production(self) -> Settings:
        if self.env != "development" and self.secret_key.get_secret_value() == DEVELOPMENT_SECRET:
            raise ValueError("TAXMATCH_SECRET_KEY must be set outside development")
        return self

    @field_validator("memory_limit")
    @classmethod
    def _a_size(cls, value: str | None) -> str | None:
        if value is not None:
            byte_size(value)
        return value

    @property
    def memory_bytes(self) -> int:
        """The memory budget in bytes: the setting, or half of this machine's memory."""
        if self.memory_limit is not None:
            return byte_size(self.memory_limit)
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2

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
