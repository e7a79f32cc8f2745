"""The printers in the pharmacy settings file: one per document kind, refused naming the key."""

from __future__ import annotations

import pytest

from compounder.settings import EXAMPLE, PrinterChoice, SettingsError, settings_from_data, settings_to_data


def settings(printers):
    return settings_from_data({**EXAMPLE, "printers": printers})


def test_printers_round_trip_through_the_file():
    chosen = settings({"label": {"printer": "Zebra_ZD421", "language": "zpl"}, "worksheet": "Office", "lot_label": ""})
    assert chosen.printer_for("label") == PrinterChoice("Zebra_ZD421", "zpl")
    assert chosen.printer_for("worksheet") == PrinterChoice("Office")
    assert chosen.printer_for("lot_label") is None  # empty: asked in the print dialog
    assert settings_from_data(settings_to_data(chosen)) == chosen


def test_a_zebra_names_its_printheads_resolution():
    chosen = settings({"label": {"printer": "Zebra_ZT411", "language": "zpl", "dpi": 300}, "lot_label": {"printer": "Zebra_ZD421", "language": "zpl"}})
    assert chosen.printer_for("label") == PrinterChoice("Zebra_ZT411", "zpl", 300)
    assert chosen.printer_for("lot_label").dpi == 203  # unnamed: the common 8 dots/mm head
    assert settings_to_data(chosen)["printers"]["label"] == {"printer": "Zebra_ZT411", "language": "zpl", "dpi": 300}
    assert settings_from_data(settings_to_data(chosen)) == chosen


@pytest.mark.parametrize(
    ("printers", "field", "said"),
    [
        ({"invoice": "Office"}, "printers.invoice", "not a document printed"),
        ({"worksheet": {"printer": "Office", "language": "zpl"}}, "printers.worksheet.language", "ZPL is for label printers"),
        ({"label": {"printer": "Zebra", "language": "epl"}}, "printers.label.language", "choose pdf or zpl"),
        ({"label": "socket://10.0.0.9:9100"}, "printers.label.language", "takes ZPL"),
        ({"label": {"printer": "socket://10.0.0.9", "language": "zpl"}}, "printers.label.printer", "socket://host:port"),
        ({"worksheet": "Office Laser"}, "printers.worksheet.printer", "not a CUPS printer name"),
        ("Office", "printers", "must map each document"),
        ({"label": {"printer": "Zebra", "language": "zpl", "dpi": 250}}, "printers.label.dpi", "choose 203, 300, 600"),
        ({"label": {"printer": "Zebra", "language": "zpl", "dpi": True}}, "printers.label.dpi", "choose 203, 300, 600"),
        ({"label": {"printer": "Office", "dpi": 300}}, "printers.label.dpi", "only for a Zebra printed in ZPL"),
    ],
)
def test_unusable_printers_are_refused_naming_the_key(printers, field, said):
    with pytest.raises(SettingsError) as refused:
        settings(printers)
    assert refused.value.field == field and said in refused.value.message
