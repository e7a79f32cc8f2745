"""``ingredients`` and ``screening-terms``: what the reference database holds."""

from __future__ import annotations

import json
from typing import Any, TextIO

from compounder.calc import Catalog
from compounder.calc.units import format_quantity
from compounder.cli.errors import EXIT_OK


def ingredient_records(catalog: Catalog) -> list[dict[str, Any]]:
    """The reference database as JSON-ready records, one per ingredient form, base and balance."""
    records: list[dict[str, Any]] = []
    for form in catalog.forms:
        substance = catalog.substance(form.substance)
        record: dict[str, Any] = {
            "name": form.name,
            "kind": form.role,
            "aliases": list(form.aliases),
            "physical_form": form.physical_form,
        }
        if form.role == "active":
            record["moiety"] = form.substance
            record["therapeutic_class"] = substance.therapeutic_class if substance else None
        else:
            record["role"] = form.excipient_role
        if form.formula:
            record["formula"] = form.formula
        if form.molecular_weight:
            record["molecular_weight"] = form.molecular_weight.value.magnitude
            record["molecular_weight_source"] = form.molecular_weight.source.cite() if form.molecular_weight.source else None
        if form.density is not None:
            record["density"] = form.density.describe()
        records.append(record)
    for base in catalog.bases:
        records.append(
            {
                "name": base.name,
                "kind": "base",
                "maker": base.maker,
                "aliases": list(base.aliases),
                "dosage_form": base.dosage_form,
                "contains_water": base.contains_water.value if base.contains_water else None,
                "preserved": base.preserved.value if base.preserved else None,
                "density": format_quantity(base.density.value) if base.density else None,
                "max_powder_load": format_quantity(base.max_powder_load.value) if base.max_powder_load else None,
            }
        )
    for balance in catalog.balances:
        records.append(
            {
                "name": balance.name,
                "kind": "balance",
                "readability": format_quantity(balance.readability.value, 4),
                "minimum_weighable_quantity": format_quantity(balance.minimum_weighable.value, 4),
            }
        )
    return records


def ingredients_command(catalog: Catalog, as_json: bool, out: TextIO) -> int:
    records = ingredient_records(catalog)
    if as_json:
        json.dump(records, out, indent=2, ensure_ascii=False)
        out.write("\n")
        return EXIT_OK
    for kind, title in (("active", "Actives"), ("excipient", "Excipients"), ("base", "Bases"), ("balance", "Balances")):
        rows = [r for r in records if r["kind"] == kind]
        out.write(f"{title}\n")
        for r in rows:
            detail = {
                "active": lambda r: f"{r['therapeutic_class'] or ''}; {r['physical_form']}; MW {r.get('molecular_weight', 'unknown')}",
                "excipient": lambda r: f"{r['role'] or ''}; {r['physical_form']}; density {r.get('density', 'unknown')}",
                "base": lambda r: f"{r['maker'] or ''} {r['dosage_form']}; water {_yn(r['contains_water'])}; preserved {_yn(r['preserved'])}",
                "balance": lambda r: _balance_detail(r),
            }[kind](r)
            out.write(f"  {r['name']:<42} {detail}\n")
        out.write("\n")
    return EXIT_OK


def screening_terms_command(catalog: Catalog, as_json: bool, out: TextIO) -> int:
    records = [{"key": t.key, "kind": t.kind, "name": t.name, "aliases": list(t.aliases)} for t in catalog.screening_terms]
    if as_json:
        json.dump(records, out, indent=2, ensure_ascii=False)
        out.write("\n")
        return EXIT_OK
    for kind, title in (("allergy", "Allergies"), ("condition", "Conditions"), ("medication", "Medicines")):
        out.write(f"{title} (patient.{ {'allergy': 'allergies', 'condition': 'conditions', 'medication': 'medications'}[kind] })\n")
        for r in records:
            if r["kind"] == kind:
                also = f"  (also: {', '.join(r['aliases'])})" if r["aliases"] else ""
                out.write(f"  {r['name']}{also}\n")
        out.write("\n")
    return EXIT_OK


def _balance_detail(record: dict[str, Any]) -> str:
    """Readability and minimum weighable quantity; the readability once, not again when the
    balance's name gives it."""
    readability = f"readability {record['readability']}"
    minimum = f"minimum weighable {record['minimum_weighable_quantity']}"
    return minimum if readability in record["name"] else f"{readability}; {minimum}"


def _yn(value: bool | None) -> str:
    return "unknown" if value is None else ("yes" if value else "no")

