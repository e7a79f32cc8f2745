"""Pharmacy settings: typed, versioned, kept where the environment says, refused field by field."""

from __future__ import annotations

import json

import pytest

from compounder.calc.units import Q_
from compounder.settings import (
    EXAMPLE,
    PharmacySettings,
    SettingsError,
    load_settings,
    save_settings,
    settings_dir,
    settings_from_data,
    settings_path,
)


def test_location_follows_the_environment_variable(tmp_path, monkeypatch):
    monkeypatch.setenv("COMPOUNDER_SETTINGS_DIR", str(tmp_path / "here"))
    assert settings_path() == tmp_path / "here" / "pharmacy.json"
    monkeypatch.delenv("COMPOUNDER_SETTINGS_DIR")
    assert settings_dir().is_relative_to(tmp_path)  # the user config dir, under the test's HOME/XDG


def test_save_and_load_round_trip(tmp_path):
    settings = PharmacySettings(
        name="Apotheke Zoë", address=("1 Rue Émile", "75001 Paris"), phone="+33 1 23", licence="L-1",
        label_stock="thermal-3x2", worksheet_paper="a4", final_weight_tolerance=Q_(3, "percent"),
    )
    path = save_settings(settings)
    assert path == settings_path() and path.is_relative_to(tmp_path)
    assert load_settings() == settings
    assert json.loads(path.read_text(encoding="utf-8"))["schema_version"] == 1


def test_the_example_is_valid():
    example = settings_from_data(EXAMPLE)
    assert example.final_weight_tolerance is None and example.weighing_tolerance is None
    assert example.allow_self_verification is False


def test_self_verification_is_off_and_the_weighing_tolerance_unset_unless_written():
    old = {key: value for key, value in EXAMPLE.items() if key not in ("weighing_tolerance", "allow_self_verification")}
    settings = settings_from_data(old)  # a file written before these settings existed
    assert settings.allow_self_verification is False and settings.weighing_tolerance is None
    on = settings_from_data({**EXAMPLE, "weighing_tolerance": "2.5 %", "allow_self_verification": True})
    assert on.allow_self_verification is True and on.weighing_tolerance.to("percent").magnitude == pytest.approx(2.5)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": ""}, "name"),
        ({"licence": None}, "licence"),
        ({"label_stock": "thermal-9x9"}, "label_stock"),
        ({"worksheet_paper": "legal"}, "worksheet_paper"),
        ({"final_weight_tolerance": "5 g"}, "final_weight_tolerance"),
        ({"final_weight_tolerance": "150 %"}, "final_weight_tolerance"),
        ({"weighing_tolerance": "0 %"}, "weighing_tolerance"),
        ({"weighing_tolerance": "0.1 g"}, "weighing_tolerance"),
        ({"allow_self_verification": "yes"}, "allow_self_verification"),
        ({"schema_version": 2}, "schema_version"),
        ({"colour": "blue"}, "colour"),
    ],
)
def test_unusable_settings_name_the_field(change, field):
    with pytest.raises(SettingsError) as error:
        settings_from_data({**EXAMPLE, **change})
    assert error.value.field == field


def test_missing_file_says_how_to_make_one():
    with pytest.raises(FileNotFoundError, match="compounder settings --init"):
        load_settings()


def test_the_balance_is_pharmacy_equipment_with_port_driver_and_id():
    from compounder.settings import EXAMPLE, SettingsError, settings_from_data, settings_to_data

    settings = settings_from_data({**EXAMPLE, "balance": {"port": "/dev/ttyUSB0", "driver": "sartorius-sbi", "id": "BAL-07"}})
    assert (settings.balance_port, settings.balance_driver, settings.balance_id) == ("/dev/ttyUSB0", "sartorius-sbi", "BAL-07")
    assert settings_from_data(settings_to_data(settings)) == settings
    assert settings_from_data(EXAMPLE).balance_port is None
    for balance, field in (
        ({"port": "COM3", "driver": "scale", "id": "B"}, "balance.driver"), ({"port": "", "id": "B"}, "balance.port"),
        ({"port": "COM3"}, "balance.id"), ("COM3", "balance"),
    ):
        with pytest.raises(SettingsError) as error:
            settings_from_data({**EXAMPLE, "balance": balance})
        assert error.value.field == field
