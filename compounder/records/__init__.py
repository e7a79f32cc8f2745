"""The pharmacy's own records (SQLAlchemy 2 + Alembic): the formula library and its versions, user
accounts and sign-in, patients and their screening profiles, ingredient lots, batches with their
weighings, decisions and prints, the signed audit trail, history and recall, and the database's
upkeep (migrate, backup, copy between SQLite and PostgreSQL, check).

No Qt here: the window, the command line and tests use the same functions.
"""
