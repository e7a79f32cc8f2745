"""The desktop workbench (PySide6). It holds no pharmacy logic: it edits a formula, asks
``compounder.calc`` for the result, and shows it."""
