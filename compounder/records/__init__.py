"""The pharmacy's own records (SQLAlchemy 2 + Alembic): for now the formula library.

No Qt here: the window, the command line and tests use the same functions.
"""
