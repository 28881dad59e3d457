"""Alembic migrations of the store's database (upgraded on every connect)."""
