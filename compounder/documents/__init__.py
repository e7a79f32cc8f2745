"""Printed documents: the batch worksheet (compounding record) and the patient label.

Renderers take the engine's values and return PDF bytes (ReportLab only, no Qt). Import them
from their modules (``compounder.documents.worksheet``, ``compounder.documents.label``); the
label stocks they print on are plain data in ``compounder.calc.label_stock``.
"""
