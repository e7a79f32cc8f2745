"""Build ``data/ingredients.sqlite`` from its reviewable source ``data/ingredients.toml``.

Run ``python -m compounder.data.build`` after editing the TOML; a test rebuilds the database
and fails when the committed one differs. Every reference is checked while building: a source
id that does not exist, a limit written as a form the active does not have, or a quantity in
the wrong unit stops the build with the entry's name.
"""

from __future__ import annotations

import argparse
import hashlib
import sqlite3
import sys
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.orm import Session

from compounder.calc.units import DIMENSIONLESS, MASS, MASS_PER_VOLUME
from compounder.data import reference_schema as rs
from compounder.data.toml_fields import ReferenceDataError, fraction, known, quantity, required, source_kind

SCHEMA_VERSION = 1
SCHEDULES = ("CI", "CII", "CIII", "CIV", "CV")  # 21 CFR 1308.11-1308.15
_REPO_DATA = Path(__file__).resolve().parents[2] / "data"


def build(toml_path: Path, sqlite_path: Path) -> None:
    """Write a fresh database at ``sqlite_path`` from ``toml_path`` (replacing any file there)."""
    raw = toml_path.read_bytes()
    data = tomllib.loads(raw.decode("utf-8"))
    if data.get("schema_version") != SCHEMA_VERSION:
        raise ReferenceDataError(f"schema_version must be {SCHEMA_VERSION}")
    sqlite_path.unlink(missing_ok=True)
    engine = create_engine(f"sqlite:///{sqlite_path}")
    event.listen(engine, "connect", lambda conn, _record: conn.execute("PRAGMA foreign_keys=ON"))
    rs.ReferenceBase.metadata.create_all(engine)
    with Session(engine) as session, session.begin():
        _Builder(data, session).run()
        session.add(rs.Meta(key="schema_version", value=str(SCHEMA_VERSION)))
        session.add(rs.Meta(key="source_sha256", value=hashlib.sha256(raw).hexdigest()))
        if "default_balance" in data:
            if data["default_balance"] not in {b.get("name") for b in data.get("balance", [])}:
                raise ReferenceDataError(f"default_balance {data['default_balance']!r} is not one of the balances")
            session.add(rs.Meta(key="default_balance", value=data["default_balance"]))
    engine.dispose()
    with sqlite3.connect(sqlite_path) as conn:
        conn.execute("VACUUM")
    conn.close()


class _Builder:
    def __init__(self, data: Mapping[str, Any], session: Session) -> None:
        self.data = data
        self.session = session
        self.sources: set[str] = set()
        self.names: set[str] = set()

    def run(self) -> None:
        for source_id, entry in self.data.get("sources", {}).items():
            self.session.add(rs.Source(id=source_id, title=required(entry, "title", source_id), kind=source_kind(entry, source_id), url=entry.get("url")))
            self.sources.add(source_id)
        self.session.flush()
        self.screening_classes = set()
        for entry in self.data.get("screening_class", []):
            key = required(entry, "key", "screening_class")
            self.session.add(rs.ScreeningClass(key=key, name=required(entry, "name", key)))
            self.screening_classes.add(key)
        self.session.flush()
        for entry in self.data.get("active", []):
            self._active(entry)
        for entry in self.data.get("excipient", []):
            self._excipient(entry)
        for entry in self.data.get("base", []):
            self._base(entry)
        limit = self.data.get("bud_study_limit")
        if limit is not None:
            days = required(limit, "days", "bud_study_limit")
            if isinstance(days, bool) or not isinstance(days, int) or days <= 0:
                raise ReferenceDataError("bud_study_limit: days must be a whole number of days")
            self.session.add(rs.BudStudyLimit(key="study", days=days, source_id=self._source(limit, "bud_study_limit"), note=limit.get("note")))
        for entry in self.data.get("ambiguous_name", []):
            self._ambiguous(entry)
        for entry in self.data.get("commercial_product", []):
            name = required(entry, "name", "commercial_product")
            product = rs.CommercialProduct(name=name, source_id=self._source(entry, name))
            self.session.add(product)
            self.session.flush()
            for item in required(entry, "actives", name):
                self.session.add(
                    rs.CommercialProductActive(
                        product_id=product.id, form=required(item, "form", name), strength=fraction(item.get("strength"), name)
                    )
                )
        for entry in self.data.get("balance", []):
            self._balance(entry)
        for position, entry in enumerate(self.data.get("label_warning", [])):
            key = required(entry, "key", "label_warning")
            schedules = entry.get("schedules")
            if schedules is not None and (not schedules or any(s not in SCHEDULES for s in schedules)):
                raise ReferenceDataError(f"{key}: schedules must be some of {', '.join(SCHEDULES)}")
            self.session.add(
                rs.LabelWarning(
                    key=key, position=position, text=required(entry, "text", key), source_id=self._source(entry, key),
                    schedules=" ".join(schedules) if schedules else None,
                )
            )
        for entry in self.data.get("controlled_limit", []):
            schedules = required(entry, "schedules", "controlled_limit")
            if not schedules or any(s not in SCHEDULES for s in schedules):
                raise ReferenceDataError(f"controlled_limit: schedules must be some of {', '.join(SCHEDULES)}")
            self.session.add(
                rs.ControlledLimit(
                    schedules=" ".join(schedules), max_refills=int(required(entry, "max_refills", "controlled_limit")),
                    fill_within_months=entry.get("fill_within_months"), source_id=self._source(entry, "controlled_limit"),
                )
            )
        self._screening()
        for entry in self.data.get("bud_category", []):
            self.session.add(
                rs.BudCategory(
                    key=required(entry, "key", "bud_category"),
                    contains_water=bool(required(entry, "contains_water", entry["key"])),
                    preserved=entry.get("preserved"),
                    days=int(required(entry, "days", entry["key"])),
                    storage=required(entry, "storage", entry["key"]),
                    source_id=self._source(entry, entry["key"]),
                )
            )

    # -- helpers
    def _source(self, entry: Mapping[str, Any] | None, where: str) -> str | None:
        if entry is None:
            return None
        source = entry.get("source")
        if source is None:
            raise ReferenceDataError(f"{where}: every value needs a source")
        if source not in self.sources:
            raise ReferenceDataError(f"{where}: source {source!r} is not in [sources]")
        return source

    def _name(self, name: str, where: str) -> str:
        key = name.casefold()
        if key in self.names:
            raise ReferenceDataError(f"{where}: the name {name!r} is used twice")
        self.names.add(key)
        return name

    def _aliases(self, entry: Mapping[str, Any], where: str, **target: object) -> None:
        for alias in entry.get("aliases", []):
            self.session.add(rs.Alias(alias=self._name(alias, where), **target))

    # -- entries
    def _screening(self) -> None:
        terms: dict[str, str] = {}
        for entry in self.data.get("screening_term", []):
            key = required(entry, "key", "screening_term")
            kind = required(entry, "kind", key)
            if kind not in ("allergy", "condition", "medication"):
                raise ReferenceDataError(f"{key}: kind must be allergy, condition or medication")
            names = {name.casefold() for name in (key, required(entry, "name", key), *entry.get("aliases", []))}
            for name in names:
                if name in terms:
                    raise ReferenceDataError(f"{key}: the term name {name!r} is used twice")
                terms[name] = key
            self.session.add(rs.ScreeningTerm(key=key, kind=kind, name=entry["name"]))
            self.session.flush()
            for alias in entry.get("aliases", []):
                self.session.add(rs.ScreeningTermAlias(alias=alias, term_key=key))
        kinds = {e["key"]: e["kind"] for e in self.data.get("screening_term", [])}
        substances = {a["name"] for a in self.data.get("active", [])}
        classes = {a["therapeutic_class"] for a in self.data.get("active", [])}
        for entry in self.data.get("screening_rule", []):
            code = required(entry, "code", "screening_rule")
            if entry.get("severity") not in ("error", "warning", "info"):
                raise ReferenceDataError(f"{code}: severity must be error, warning or info")
            facts = [k for k in ("allergy", "condition", "medication", "age_at_least", "supply_days_over") if k in entry]
            if len(facts) != 1:
                raise ReferenceDataError(f"{code}: name exactly one patient fact (allergy, condition, medication, age_at_least or supply_days_over)")
            for kind in ("allergy", "condition", "medication"):
                if kind in entry and kinds.get(entry[kind]) != kind:
                    raise ReferenceDataError(f"{code}: {kind} {entry[kind]!r} is not a {kind} term")
            if "therapeutic_class" in entry and "substances" in entry:
                raise ReferenceDataError(f"{code}: give either therapeutic_class or substances")
            if not {"therapeutic_class", "substances", "screening_class"} & set(entry):
                raise ReferenceDataError(f"{code}: give screening_class, therapeutic_class or substances")
            if "screening_class" in entry and entry["screening_class"] not in self.screening_classes:
                raise ReferenceDataError(f"{code}: screening class {entry['screening_class']!r} is not a [[screening_class]]")
            if "therapeutic_class" in entry and entry["therapeutic_class"] not in classes:
                raise ReferenceDataError(f"{code}: no active has the class {entry['therapeutic_class']!r}")
            for name in entry.get("substances", []):
                if name not in substances:
                    raise ReferenceDataError(f"{code}: {name!r} is not an active")
            rule = rs.ScreeningRule(
                code=code, severity=entry["severity"], therapeutic_class=entry.get("therapeutic_class"),
                screening_class=entry.get("screening_class"),
                allergy=entry.get("allergy"), condition=entry.get("condition"), medication=entry.get("medication"),
                age_at_least=entry.get("age_at_least"), supply_days_over=entry.get("supply_days_over"),
                advice=required(entry, "advice", code), source_id=self._source(entry, code),
            )
            self.session.add(rule)
            self.session.flush()
            for name in entry.get("substances", []):
                self.session.add(rs.ScreeningRuleSubstance(rule_id=rule.id, substance=name))

    def _active(self, entry: Mapping[str, Any]) -> None:
        name = required(entry, "name", "active")
        schedule = known(entry.get("controlled_schedule"))
        if schedule is not None and schedule.get("value") not in SCHEDULES:
            raise ReferenceDataError(f"{name}.controlled_schedule: value must be one of {', '.join(SCHEDULES)}")
        forms = [required(form, "name", name) for form in entry.get("forms", [])]
        if name not in forms:
            raise ReferenceDataError(f"{name}: the parent moiety must be one of its own forms")
        if "screening_classes" not in entry:
            raise ReferenceDataError(f"{name}: screening_classes is missing; name the classes that apply, or [] with screening_none saying why")
        screening = list(entry["screening_classes"])
        unknown = [key for key in screening if key not in self.screening_classes]
        if unknown:
            raise ReferenceDataError(f"{name}: screening class {unknown[0]!r} is not a [[screening_class]]")
        if not screening and not entry.get("screening_none"):
            raise ReferenceDataError(f"{name}: screening_classes is empty; say why in screening_none")
        labelled = known(entry.get("labelled_as"))
        if labelled is not None and labelled.get("form") not in forms:
            raise ReferenceDataError(f"{name}.labelled_as: form {labelled.get('form')!r} is not a form of {name}")
        substance = rs.Substance(
            name=name, therapeutic_class=required(entry, "therapeutic_class", name),
            controlled_schedule=schedule["value"] if schedule else None,
            controlled_schedule_source_id=self._source(schedule, f"{name}.controlled_schedule"),
            labelled_as=labelled["form"] if labelled else None,
            labelled_as_source_id=self._source(labelled, f"{name}.labelled_as"),
            screening_classes=" ".join(screening), screening_none=entry.get("screening_none"),
        )
        self.session.add(substance)
        self.session.flush()
        for kind in ("typical_strength", "max_strength", "highest_published", "daily_max", "daily_max_per_kg"):
            limit = entry.get(kind)
            if limit is None or limit.get("unknown"):
                continue
            where = f"{name}.{kind}"
            as_form = limit.get("as", name)
            if as_form not in forms:
                raise ReferenceDataError(f"{where}: as = {as_form!r} is not a form of {name}")
            if kind == "typical_strength":
                low = fraction(limit.get("low"), where)
                high = fraction(limit.get("high"), where)
                if high < low:
                    raise ReferenceDataError(f"{where}: high is below low")
                value, upper, unit = low, high, "percent"
            elif kind in ("max_strength", "highest_published"):
                value, upper, unit = fraction(limit.get("value"), where), None, "percent"
            elif kind == "daily_max":
                value, upper, unit = quantity(limit.get("value"), where, (MASS,)).to("mg").magnitude, None, "mg"
            else:
                value, upper, unit = quantity(limit.get("value"), where, (DIMENSIONLESS,)).to("mg/kg").magnitude, None, "mg/kg"
            age = known(limit.get("below_age"))
            if age is not None and (not isinstance(age.get("value"), int) or not 0 < age["value"] < 120):
                raise ReferenceDataError(f"{where}.below_age: value must be a whole number of years")
            self.session.add(
                rs.SubstanceLimit(
                    substance_id=substance.id, kind=kind, value=value, high=upper, unit=unit, as_form=as_form,
                    source_id=self._source(limit, where), note=limit.get("note"),
                    below_age=age["value"] if age else None, below_age_source_id=self._source(age, f"{where}.below_age"),
                )
            )
        for position, caution in enumerate(entry.get("cautions", [])):
            self.session.add(
                rs.Caution(substance_id=substance.id, position=position, text=required(caution, "text", name), source_id=self._source(caution, f"{name}.cautions"))
            )
        for form in entry.get("forms", []):
            self._ingredient(form, role="active", substance_id=substance.id)

    def _excipient(self, entry: Mapping[str, Any]) -> None:
        self._ingredient(entry, role="excipient", substance_id=None, excipient_role=entry.get("role"))

    def _ingredient(self, entry: Mapping[str, Any], *, role: str, substance_id: int | None, excipient_role: str | None = None) -> None:
        name = self._name(required(entry, "name", role), role)
        physical_form = entry.get("physical_form", "unknown")
        if physical_form not in ("powder", "crystalline solid", "liquid", "oleoresin", "unknown"):
            raise ReferenceDataError(f"{name}: physical_form {physical_form!r} is not powder, crystalline solid, liquid or oleoresin")
        mw = known(entry.get("molecular_weight"))
        density = known(entry.get("density"))
        row = rs.Ingredient(
            name=name, role=role, substance_id=substance_id, excipient_role=excipient_role, physical_form=physical_form,
            formula=entry.get("formula"),
            molecular_weight=float(mw["value"]) if mw else None,
            molecular_weight_source_id=self._source(mw, f"{name}.molecular_weight"),
        )
        if density:
            where = f"{name}.density"
            if "value" in density:
                row.density = quantity(density["value"], where, (MASS_PER_VOLUME,)).to("g/mL").magnitude
            else:
                row.density_low = quantity(density.get("low"), where, (MASS_PER_VOLUME,)).to("g/mL").magnitude
                row.density_high = quantity(density.get("high"), where, (MASS_PER_VOLUME,)).to("g/mL").magnitude
            row.density_source_id = self._source(density, where)
        self.session.add(row)
        self.session.flush()
        self._aliases(entry, name, ingredient_id=row.id)

    def _ambiguous(self, entry: Mapping[str, Any]) -> None:
        names, forms = required(entry, "names", "ambiguous_name"), required(entry, "forms", "ambiguous_name")
        where = f"ambiguous_name {names[0] if names else '?'}"
        if len(forms) < 2:
            raise ReferenceDataError(f"{where}: name at least two forms")
        source = self._source(entry, where)
        for name in names:
            self._name(name, where)
            for form in forms:
                self.session.add(rs.AmbiguousName(name=name, form=form, source_id=source, note=entry.get("note")))
        self.session.flush()

    def _base(self, entry: Mapping[str, Any]) -> None:
        name = self._name(required(entry, "name", "base"), "base")
        water, preserved = known(entry.get("contains_water")), known(entry.get("preserved"))
        density, load = known(entry.get("density")), known(entry.get("max_powder_load"))
        row = rs.Base(
            name=name, maker=entry.get("maker"), dosage_form=required(entry, "dosage_form", name), notes=entry.get("notes"),
            contains_water=bool(water["value"]) if water else None,
            contains_water_source_id=self._source(water, f"{name}.contains_water"),
            preserved=bool(preserved["value"]) if preserved else None,
            preserved_source_id=self._source(preserved, f"{name}.preserved"),
            density=quantity(density["value"], f"{name}.density", (MASS_PER_VOLUME,)).to("g/mL").magnitude if density else None,
            density_source_id=self._source(density, f"{name}.density"),
            max_powder_load=fraction(load["value"], f"{name}.max_powder_load") if load else None,
            max_powder_load_source_id=self._source(load, f"{name}.max_powder_load"),
        )
        self.session.add(row)
        self.session.flush()
        self._aliases(entry, name, base_id=row.id)

    def _balance(self, entry: Mapping[str, Any]) -> None:
        name = required(entry, "name", "balance")
        readability = required(entry, "readability", name)
        minimum = required(entry, "minimum_weighable_quantity", name)
        sensitivity = known(entry.get("sensitivity_requirement"))
        self.session.add(
            rs.Balance(
                name=name,
                readability=quantity(readability["value"], f"{name}.readability", (MASS,)).to("g").magnitude,
                readability_source_id=self._source(readability, f"{name}.readability"),
                readability_note=readability.get("note"),
                sensitivity=quantity(sensitivity["value"], f"{name}.sensitivity", (MASS,)).to("mg").magnitude if sensitivity else None,
                sensitivity_source_id=self._source(sensitivity, f"{name}.sensitivity"),
                minimum_weighable=quantity(minimum["value"], f"{name}.minimum_weighable_quantity", (MASS,)).to("g").magnitude,
                minimum_weighable_source_id=self._source(minimum, f"{name}.minimum_weighable_quantity"),
                minimum_weighable_note=minimum.get("note"),
            )
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=_REPO_DATA / "ingredients.toml")
    parser.add_argument("--output", type=Path, default=_REPO_DATA / "ingredients.sqlite")
    args = parser.parse_args(argv)
    try:
        build(args.source, args.output)
    except ReferenceDataError as error:
        print(f"{args.source}: {error}", file=sys.stderr)
        return 2
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
