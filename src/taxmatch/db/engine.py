"""Open the store's database, its schema migrated to the newest revision.

SQLite file `taxmatch.db` in the store directory by default; any SQLAlchemy
URL (PostgreSQL in production) when the settings name one. SQL statements are
logged at debug level (logger `sqlalchemy.engine`, shown by `taxmatch -vv`).
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path
from typing import Any

import orjson
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event

from taxmatch.errors import Location, StoreError
from taxmatch.layout import Layout

log = logging.getLogger(__name__)


def database_url(layout: Layout, url: str | None = None) -> str:
    return url or f"sqlite:///{layout.database}"


def connect(root: Path, url: str | None = None) -> Engine:
    """An engine for the store at `root` (or for `url`), its schema migrated to the newest revision."""
    layout = Layout(root)
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(
            f"cannot create the store: {exc.strerror}",
            where=Location(str(root)),
            fix="Pass a writable --store directory or set TAXMATCH_STORE.",
        ) from exc
    engine = create_engine(database_url(layout, url), json_serializer=_json, json_deserializer=orjson.loads)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_cache)
    migrate(engine)
    log.debug("store %s open on %s", root, engine.url.render_as_string(hide_password=True))
    return engine


# SQLite's page cache per connection (2 MiB by default), taken only as pages are used. A batch's chunk of
# 100,000 decisions is ~135 MiB of new pages in one transaction: in 2 MiB each page was written out
# and read back several times before the commit (567,214 writes and 451,635 reads for 300,000 rows,
# against 119,486 writes in this cache).
SQLITE_CACHE_KIB = 256 * 1024


def _sqlite_cache(driver: sqlite3.Connection, _: object) -> None:
    driver.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")


def _json(value: Any) -> str:
    """JSON columns (a decision's request as asked, its levels and explanation) in orjson: a batch
    stores three per row, and the standard library's encoder cost ~2.5 s per 100,000 rows."""
    return orjson.dumps(value).decode()


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    return config


def migrate(engine: Engine, revision: str = "head") -> None:
    """Run the Alembic migrations (db/migrations) up to `revision` on this engine."""
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
