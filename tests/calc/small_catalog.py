"""A catalog built in the test, with limits chosen for the arithmetic, so the rules are tested
without depending on the reference data's values (which have their own sources and tests)."""

from __future__ import annotations

from compounder.calc import (
    Q_,
    Balance,
    Base,
    BudCategory,
    Catalog,
    Form,
    Limit,
    Source,
    Sourced,
    StrengthRange,
    Substance,
)

TEST_SOURCE = Source("test", "Test label", "primary")


def mw(value: float) -> Sourced:
    return Sourced(Q_(value, "g/mol"), TEST_SOURCE)


def small_catalog(*, max_powder_load: str | None = None, base_density: str | None = None) -> Catalog:
    forms = (
        Form("lidocaine", "active", "lidocaine", "powder", molecular_weight=mw(234.34)),
        Form("lidocaine hydrochloride", "active", "lidocaine", "powder", molecular_weight=mw(270.80), aliases=("lidocaine HCl",)),
        Form("cyclobenzaprine", "active", "cyclobenzaprine", "powder", molecular_weight=mw(275.39)),
        Form("cyclobenzaprine hydrochloride", "active", "cyclobenzaprine", "powder", molecular_weight=mw(311.85)),
        Form("menthol", "active", "menthol", "crystalline solid", molecular_weight=mw(156.26)),
        Form("capsaicin", "active", "capsaicin", "powder", molecular_weight=mw(305.41)),
    )
    substances = (
        Substance(
            "lidocaine", "local anesthetic",
            typical_strength=StrengthRange(Q_(2, "percent"), Q_(10, "percent"), "lidocaine", TEST_SOURCE),
            max_strength=Limit(Q_(10, "percent"), "lidocaine", TEST_SOURCE),
            daily_max=Limit(Q_(850, "mg"), "lidocaine", TEST_SOURCE),
            daily_max_per_kg=Limit(Q_(4.5, "mg/kg"), "lidocaine", TEST_SOURCE),
        ),
        Substance(
            "cyclobenzaprine", "muscle relaxant",
            typical_strength=StrengthRange(Q_(1, "percent"), Q_(2, "percent"), "cyclobenzaprine hydrochloride", TEST_SOURCE),
        ),
        Substance(
            "menthol", "counterirritant",
            typical_strength=StrengthRange(Q_(1.25, "percent"), Q_(16, "percent"), "menthol", TEST_SOURCE),
            max_strength=Limit(Q_(16, "percent"), "menthol", TEST_SOURCE),
        ),
        Substance(
            "capsaicin", "counterirritant",
            typical_strength=StrengthRange(Q_(0.025, "percent"), Q_(0.25, "percent"), "capsaicin", TEST_SOURCE),
            max_strength=Limit(Q_(0.25, "percent"), "capsaicin", TEST_SOURCE),
        ),
    )
    base = Base(
        "Test cream", "Test maker", "cream",
        contains_water=Sourced(True, TEST_SOURCE), preserved=Sourced(True, TEST_SOURCE),
        density=Sourced(Q_(base_density), TEST_SOURCE) if base_density else None,
        max_powder_load=Sourced(Q_(max_powder_load), TEST_SOURCE) if max_powder_load else None,
    )
    balance = Balance(
        "Test balance 0.001 g", readability=Sourced(Q_(0.001, "g"), TEST_SOURCE), minimum_weighable=Sourced(Q_(0.82, "g"), TEST_SOURCE),
    )
    bud = (
        BudCategory("aqueous-preserved", True, True, 35, "room temperature or refrigerator", TEST_SOURCE),
        BudCategory("aqueous-nonpreserved", True, False, 14, "refrigerator", TEST_SOURCE),
        BudCategory("nonaqueous", False, None, 180, "room temperature", TEST_SOURCE),
    )
    return Catalog(forms, substances, (base,), (balance,), bud)
