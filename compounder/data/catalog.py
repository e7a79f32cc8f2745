"""Read the reference database into the engine's ``Catalog``.

The database is read once through the SQLAlchemy models; the engine then works on plain
values and never touches the database.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from compounder.calc import (
    Q_,
    Balance,
    Base,
    BudCategory,
    Catalog,
    Caution,
    CommercialProduct,
    ControlledLimit,
    Density,
    Form,
    Limit,
    ScreeningClass,
    ScreeningRule,
    ScreeningTerm,
    Source,
    Sourced,
    StrengthRange,
    Substance,
)
from compounder.data import reference_schema as rs
from compounder.data.reference_file import packaged_reference

__all__ = ["load_catalog", "packaged_reference"]


def load_catalog(path: Path | None = None) -> Catalog:
    """Load the catalog from the reference database at ``path`` (default: the packaged one)."""
    path = path or packaged_reference()
    if not path.is_file():
        raise FileNotFoundError(f"reference database not found at {path}")
    engine = create_engine(f"sqlite:///file:{path}?mode=ro&uri=true")
    try:
        with Session(engine) as session:
            return _read(session)
    finally:
        engine.dispose()


def _read(session: Session) -> Catalog:
    sources = {row.id: Source(id=row.id, title=row.title, kind=row.kind, url=row.url) for row in session.scalars(select(rs.Source))}

    def src(source_id: str | None) -> Source | None:
        return sources[source_id] if source_id else None

    aliases: dict[tuple[str, int], list[str]] = {}
    for alias in session.scalars(select(rs.Alias).order_by(rs.Alias.alias)):
        if alias.ingredient_id is not None:
            key = ("ingredient", alias.ingredient_id)
        elif alias.base_id is not None:
            key = ("base", alias.base_id)
        else:  # the build always names one; a database changed by hand is not guessed at
            raise ValueError(f"reference database: the alias {alias.alias!r} names neither an ingredient nor a base")
        aliases.setdefault(key, []).append(alias.alias)

    substances = tuple(_substance(row, src) for row in session.scalars(select(rs.Substance).order_by(rs.Substance.id)))
    forms = tuple(
        Form(
            name=row.name,
            role=row.role,  # type: ignore[arg-type]
            substance=row.substance.name if row.substance else row.name,
            physical_form=row.physical_form,
            formula=row.formula,
            molecular_weight=Sourced(Q_(row.molecular_weight, "g/mol"), src(row.molecular_weight_source_id)) if row.molecular_weight else None,
            density=_density(row, src),
            aliases=tuple(aliases.get(("ingredient", row.id), ())),
            excipient_role=row.excipient_role,
        )
        for row in session.scalars(select(rs.Ingredient).order_by(rs.Ingredient.id))
    )
    bases = tuple(
        Base(
            name=row.name,
            maker=row.maker,
            dosage_form=row.dosage_form,
            contains_water=Sourced(row.contains_water, src(row.contains_water_source_id)) if row.contains_water is not None else None,
            preserved=Sourced(row.preserved, src(row.preserved_source_id)) if row.preserved is not None else None,
            density=Sourced(Q_(row.density, "g/mL"), src(row.density_source_id)) if row.density is not None else None,
            max_powder_load=Sourced(Q_(row.max_powder_load, "percent"), src(row.max_powder_load_source_id)) if row.max_powder_load is not None else None,
            aliases=tuple(aliases.get(("base", row.id), ())),
            notes=row.notes,
        )
        for row in session.scalars(select(rs.Base).order_by(rs.Base.id))
    )
    balances = tuple(
        Balance(
            name=row.name,
            readability=Sourced(Q_(row.readability, "g"), src(row.readability_source_id), row.readability_note),
            minimum_weighable=Sourced(Q_(row.minimum_weighable, "g"), src(row.minimum_weighable_source_id), row.minimum_weighable_note),
            sensitivity=Sourced(Q_(row.sensitivity, "mg"), src(row.sensitivity_source_id)) if row.sensitivity is not None else None,
        )
        for row in session.scalars(select(rs.Balance).order_by(rs.Balance.id))
    )
    categories = tuple(
        BudCategory(key=row.key, contains_water=row.contains_water, preserved=row.preserved, days=row.days, storage=row.storage, source=src(row.source_id))
        for row in session.scalars(select(rs.BudCategory).order_by(rs.BudCategory.days))
    )
    warnings = tuple(
        Caution(row.text, src(row.source_id), tuple((row.schedules or "").split()))
        for row in session.scalars(select(rs.LabelWarning).order_by(rs.LabelWarning.position))
    )
    meta = {row.key: row.value for row in session.scalars(select(rs.Meta))}
    ambiguous: dict[str, tuple[str, ...]] = {}
    for row in session.scalars(select(rs.AmbiguousName).order_by(rs.AmbiguousName.id)):
        ambiguous[row.name] = (*ambiguous.get(row.name, ()), row.form)
    terms = tuple(
        ScreeningTerm(key=row.key, kind=row.kind, name=row.name, aliases=tuple(a.alias for a in row.aliases))  # type: ignore[arg-type]
        for row in session.scalars(select(rs.ScreeningTerm).order_by(rs.ScreeningTerm.kind, rs.ScreeningTerm.name))
    )
    rules = tuple(
        ScreeningRule(
            code=row.code, severity=row.severity, advice=row.advice, source=src(row.source_id),
            therapeutic_class=row.therapeutic_class, substances=tuple(s.substance for s in row.substances),
            screening_class=row.screening_class,
            allergy=row.allergy, condition=row.condition, medication=row.medication,
            age_at_least=row.age_at_least, supply_days_over=row.supply_days_over,
        )
        for row in session.scalars(select(rs.ScreeningRule).order_by(rs.ScreeningRule.id))
    )
    return Catalog(
        forms=forms,
        substances=substances,
        bases=bases,
        balances=balances,
        bud_categories=categories,
        label_warnings=warnings,
        default_balance=meta.get("default_balance"),
        screening_terms=terms,
        screening_rules=rules,
        ambiguous_names=tuple(ambiguous.items()),
        study_bud_limit=next(
            (Sourced(row.days, src(row.source_id), row.note) for row in session.scalars(select(rs.BudStudyLimit))), None
        ),
        commercial_products=tuple(
            CommercialProduct(row.name, tuple((a.form, Q_(a.strength, "percent")) for a in row.actives), src(row.source_id))
            for row in session.scalars(select(rs.CommercialProduct).order_by(rs.CommercialProduct.id))
        ),
        screening_classes=tuple(
            ScreeningClass(row.key, row.name) for row in session.scalars(select(rs.ScreeningClass).order_by(rs.ScreeningClass.key))
        ),
        controlled_limits=tuple(
            ControlledLimit(tuple(row.schedules.split()), row.max_refills, row.fill_within_months, src(row.source_id))
            for row in session.scalars(select(rs.ControlledLimit).order_by(rs.ControlledLimit.id))
        ),
    )


def _substance(row: rs.Substance, src) -> Substance:
    limits = {limit.kind: limit for limit in row.limits}

    def limit(kind: str, unit: str) -> Limit | None:
        found = limits.get(kind)
        if found is None:
            return None
        age = Sourced(found.below_age, src(found.below_age_source_id)) if found.below_age is not None else None
        return Limit(Q_(found.value, unit), found.as_form, src(found.source_id), found.note, age)

    typical = limits.get("typical_strength")
    return Substance(
        name=row.name,
        therapeutic_class=row.therapeutic_class,
        controlled_schedule=Sourced(row.controlled_schedule, src(row.controlled_schedule_source_id)) if row.controlled_schedule else None,
        labelled_as=Sourced(row.labelled_as, src(row.labelled_as_source_id)) if row.labelled_as else None,
        screening_classes=tuple(row.screening_classes.split()),
        screening_none=row.screening_none,
        typical_strength=StrengthRange(Q_(typical.value, "percent"), Q_(typical.high, "percent"), typical.as_form, src(typical.source_id)) if typical else None,
        max_strength=limit("max_strength", "percent"),
        highest_published=limit("highest_published", "percent"),
        daily_max=limit("daily_max", "mg"),
        daily_max_per_kg=limit("daily_max_per_kg", "mg/kg"),
        cautions=tuple(Caution(c.text, src(c.source_id)) for c in row.cautions),
    )


def _density(row: rs.Ingredient, src) -> Density | None:
    if row.density is not None:
        return Density(Q_(row.density, "g/mL"), source=src(row.density_source_id))
    if row.density_low is not None and row.density_high is not None:
        return Density(None, Q_(row.density_low, "g/mL"), Q_(row.density_high, "g/mL"), src(row.density_source_id))
    return None
