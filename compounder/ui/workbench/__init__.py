"""The formula workbench: the main window, the formula document and its tables, findings, daily
dose, prescription, acknowledgements and formula files."""
