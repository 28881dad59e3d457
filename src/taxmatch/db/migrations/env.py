"""Alembic environment: runs on the connection taxmatch hands it, never on a URL of its own."""

from __future__ import annotations

from alembic import context

from taxmatch.db.schema import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
