"""The workbench says plainly when the prescription's patient is not screened."""

from __future__ import annotations

import json

from compounder.calc import Severity


def codes(window) -> dict:
    model = window.findings_model
    return {model.notice(r).code: model.notice(r) for r in range(model.rowCount())}


def test_a_prescription_without_a_profile_shows_patient_not_screened(window, tmp_path):
    data = {
        "batch": "120 g", "base": "Lipoderm", "compounded_on": "2026-11-23",
        "actives": [{"ingredient": "lidocaine", "strength": "5 %"}],
        "prescription": {"patient": "Jane Doe", "rx_number": "RX-1", "prescriber": "Dr. A. Smith"},
    }
    path = tmp_path / "rx.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert window.open_file(path)
    found = codes(window)["PATIENT_NOT_SCREENED"]
    assert found.severity is Severity.INFO and "patient not screened: Jane Doe" in found.message
    # a date of birth on the prescription screens the patient by age: no longer "not screened"
    data["prescription"]["date_of_birth"] = "1978-03-02"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert window.open_file(path)
    assert "PATIENT_NOT_SCREENED" not in codes(window)
