"""The findings each case of issue 12 gives, by severity and code, on the packaged reference data.

    .venv/bin/python scripts/issue12_findings.py

Each case is a formula file as a pharmacist writes it (Lipoderm, compounded 2026-11-23, on the
0.001 g balance unless it says otherwise), evaluated the way ``compounder calc`` evaluates it:
with the prescription and container checked and the prescription's date of birth screened.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from compounder.calc import Q_, evaluate, parse_formula
from compounder.calc.patient import screening_inputs
from compounder.data.catalog import load_catalog

TODAY = dt.date(2026, 11, 23)
RX = {"patient": "Jane Doe", "rx_number": "RX-1", "prescriber": "Dr. A. Smith"}


def case(*actives: tuple[str, str], batch: str = "100 g", **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"batch": batch, "base": "Lipoderm", "compounded_on": TODAY.isoformat(),
                            "actives": [{"ingredient": name, "strength": strength} for name, strength in actives]}
    data.update(extra)
    return data


TID_5G = {"amount": "5 g", "times_per_day": 3}
CASES: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    ("lidocaine 10 % (one line)", case(("lidocaine", "10 %")), {}),
    ("lidocaine 10 % as four lines of 2.5 %", case(*[("lidocaine", "2.5 %")] * 4), {}),
    ("lidocaine 6 % + lidocaine HCl 6 %, 5 g tid", case(("lidocaine", "6 %"), ("lidocaine hydrochloride", "6 %"), directions=TID_5G), {}),
    ("lidocaine 12 % (one line), 5 g tid", case(("lidocaine", "12 %"), directions=TID_5G), {}),
    ("menthol 40 %", case(("menthol", "40 %")), {}),
    ("capsaicin 8 %", case(("capsaicin", "8 %")), {}),
    ("lidocaine 30 % (master formula, no Rx)", case(("lidocaine", "30 %")), {}),
    ("lidocaine 30 % prescribed, no directions", case(("lidocaine", "30 %"), prescription={**RX, "date_of_birth": "1978-03-02"}), {}),
    ("lidocaine 30 % prescribed, 1 g tid", case(("lidocaine", "30 %"), directions={"amount": "1 g", "times_per_day": 3},
                                                prescription={**RX, "date_of_birth": "1978-03-02"}), {}),
    ("camphor 12 %", case(("camphor", "12 %")), {}),
    ("cyclobenzaprine HCl 1 %", case(("cyclobenzaprine hydrochloride", "1 %")), {}),
    ("99 % solids (ketoprofen 99 %)", case(("ketoprofen", "99 %")), {}),
    ("capsaicin 0.025 g aliquot in 100 g", case(("capsaicin", "0.025 g")), {}),
    ("60 g in a 35 mL Topi-CLICK (1.0 g/mL)", case(("lidocaine", "5 %"), batch="60 g", density="1.0 g/mL", container="Topi-CLICK 35 mL",
                                                  prescription={**RX, "quantity": "60 g", "date_of_birth": "1978-03-02"}), {}),
    ("label three times daily, dose check 2 a day", case(("lidocaine", "5 %"), directions={"amount": "1 g", "times_per_day": 2},
                                                        prescription={**RX, "directions": "Apply 1 g three times daily", "quantity": "28 g",
                                                                      "date_of_birth": "1978-03-02"}), {}),
    ("120 g at 1 g tid (40 days) past the BUD", case(("lidocaine", "5 %"), batch="120 g", directions={"amount": "1 g", "times_per_day": 3},
                                                    prescription={**RX, "quantity": "120 g", "date_of_birth": "1978-03-02"}), {}),
    ("prescription without a profile or date of birth", case(("lidocaine", "5 %"), prescription=RX), {}),
    ("potency 101 %", case(("lidocaine", "5 %")) | {"actives": [{"ingredient": "lidocaine", "strength": "5 %", "potency": "101 %"}]}, {}),
    ("excess 15 % (pharmacy maximum 10 %)", case(("lidocaine", "5 %"), excess="15 %"), {"max_excess": Q_(10, "percent")}),
    ("lot expiring on the compounding day", case(("lidocaine", "5 %")) | {"actives": [{"ingredient": "lidocaine", "strength": "5 %", "lot": "L1", "expires": TODAY.isoformat()}]}, {}),
]


def findings_of(catalog, data: dict[str, Any], options: dict[str, Any]):
    inputs = screening_inputs(data, catalog)
    plan = evaluate(parse_formula(data), catalog, TODAY, inputs.patient, inputs.dispensed, inputs.refills, order=inputs.order, **options)
    return plan.findings


def main() -> None:
    catalog = load_catalog()
    print(f"{'Case':<48} {'E':>2} {'W':>2} {'I':>2}  Codes (E error, W warning, I info)")
    print("-" * 130)
    for title, data, options in CASES:
        found = findings_of(catalog, data, options)
        by = Counter(f.severity.value for f in found)
        codes = Counter(f"{f.severity.value[0].upper()} {f.code}" for f in found)
        listed = ", ".join(f"{code}{f' ×{n}' if n > 1 else ''}" for code, n in sorted(codes.items()))
        print(f"{title:<48} {by['error']:>2} {by['warning']:>2} {by['info']:>2}  {listed}")


if __name__ == "__main__":
    main()
