"""The window (PySide6). It holds no pharmacy logic: it edits a formula, asks ``compounder.calc``
and ``compounder.records`` for the results, and shows them.

By screen: ``workbench`` (the main window and the formula being edited), ``records`` (the records
menu and its dialogs: batches, lots, history, users, pharmacy), ``station`` (the weighing station),
all on ``common`` (look, inline errors, table model, the records context, signing dialogs,
printing). The screens do not import each other (``[tool.importlinter]`` in pyproject.toml);
``app`` starts the window and wires them together.
"""
