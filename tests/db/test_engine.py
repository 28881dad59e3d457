"""The schema comes from the migrations, the same on SQLite and PostgreSQL."""

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

from taxmatch.db.engine import alembic_config, connect
from taxmatch.db.schema import metadata
from taxmatch.settings import Settings


def test_migrations_from_empty_match_the_models(engine: Engine) -> None:
    with engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diffs == []
    assert {"batches", "decisions", "ledger", "alembic_version"} <= set(inspect(engine).get_table_names())


def test_connecting_twice_migrates_once(store_dir: Path, engine: Engine) -> None:
    again = connect(store_dir, Settings(store=store_dir).database_url)
    with again.connect() as conn:
        versions = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalars().all()
    assert versions == [ScriptDirectory.from_config(alembic_config()).get_current_head()]
    again.dispose()


def test_an_explicit_url_wins_over_the_store_default(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere.db"
    engine = connect(tmp_path / "store", f"sqlite:///{elsewhere}")
    engine.dispose()
    assert elsewhere.exists()
    assert not (tmp_path / "store" / "taxmatch.db").exists()
