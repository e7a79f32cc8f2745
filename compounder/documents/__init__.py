"""Printed documents: the batch worksheet (compounding record) and the patient label.

Renderers take the engine's values and return PDF bytes (ReportLab only, no Qt). Import them
from their modules (``compounder.documents.worksheet``, ``compounder.documents.label``); this
package itself imports nothing heavy, so ``compounder.documents.stock`` stays cheap to load.
"""
