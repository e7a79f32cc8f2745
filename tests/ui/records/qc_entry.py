"""Typing the QC results a verification needs in the batch dialog's panel (issue 25), for the tests that verify a batch."""

from __future__ import annotations


def enter_qc(dialog, weight="119.4"):
    """The QC results the master formula asks, typed in the batch dialog's panel (issue 25)."""
    panel = dialog.qc_panel
    panel.final_weight.setText(weight)
    panel.weight_conforms.setChecked(True)  # asked only where no final-weight tolerance was frozen with the batch
    panel.weight_button.click()
    assert panel.message.text() == "", panel.message.text()
    panel.appearance.setText("smooth, uniform cream")
    panel.appearance_conforms.setChecked(True)
    panel.appearance_button.click()
    assert panel.message.text() == "" and panel.missing.text() == "", (panel.message.text(), panel.missing.text(), panel.results.text())
