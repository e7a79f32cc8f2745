"""Reading and building the reference database; the engine's catalog comes from here."""
