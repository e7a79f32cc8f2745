"""Alembic migrations of the records database, applied at start-up (``database.migrate``)."""
