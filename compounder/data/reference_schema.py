"""Tables of the shipped reference database (``data/ingredients.sqlite``).

Every number sits next to the id of its source; a value that is not known is NULL, never a
guess. The database is built from ``data/ingredients.toml`` by ``compounder.data.build``.
"""

from __future__ import annotations

from typing import Annotated

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

IntPK = Annotated[int, mapped_column(primary_key=True)]
SourceRef = Annotated[str | None, mapped_column(ForeignKey("source.id"))]
Name = Annotated[str, mapped_column(String(120), unique=True)]


class ReferenceBase(DeclarativeBase):
    """Declarative base of the reference database alone (the pharmacy's records have their own)."""


class Meta(ReferenceBase):
    __tablename__ = "meta"
    key: Mapped[str] = mapped_column(primary_key=True)
    value: Mapped[str]


class Source(ReferenceBase):
    __tablename__ = "source"
    id: Mapped[str] = mapped_column(primary_key=True)
    title: Mapped[str]
    kind: Mapped[str]  # primary | secondary | computed
    url: Mapped[str | None]


class Substance(ReferenceBase):
    """A parent moiety (lidocaine, diclofenac) and what is known of its topical use."""

    __tablename__ = "substance"
    id: Mapped[IntPK]
    name: Mapped[Name]
    therapeutic_class: Mapped[str]
    controlled_schedule: Mapped[str | None]  # DEA schedule "CII".."CV", NULL where not controlled
    controlled_schedule_source_id: Mapped[SourceRef]
    labelled_as: Mapped[str | None]  # the salt its products state their strength as (diclofenac sodium)
    labelled_as_source_id: Mapped[SourceRef]
    screening_classes: Mapped[str]  # space-separated screening-class keys; "" with screening_none saying why
    screening_none: Mapped[str | None]
    limits: Mapped[list[SubstanceLimit]] = relationship(order_by="SubstanceLimit.id", lazy="selectin")
    cautions: Mapped[list[Caution]] = relationship(order_by="Caution.position", lazy="selectin")


class SubstanceLimit(ReferenceBase):
    """A typical strength range, a hard maximum strength or a daily maximum, in ``unit``,
    expressed as an amount of the form ``as_form``."""

    __tablename__ = "substance_limit"
    id: Mapped[IntPK]
    substance_id: Mapped[int] = mapped_column(ForeignKey("substance.id"))
    kind: Mapped[str]  # typical_strength | max_strength | highest_published | daily_max | daily_max_per_kg
    value: Mapped[float]  # the low end for a range
    high: Mapped[float | None]  # the high end of a range
    unit: Mapped[str]
    as_form: Mapped[str]
    source_id: Mapped[SourceRef]
    note: Mapped[str | None]
    below_age: Mapped[int | None]  # the limit holds only for patients younger than this (a paediatric limit)
    below_age_source_id: Mapped[SourceRef]


class Caution(ReferenceBase):
    """A caution that belongs on the patient label."""

    __tablename__ = "caution"
    id: Mapped[IntPK]
    substance_id: Mapped[int] = mapped_column(ForeignKey("substance.id"))
    position: Mapped[int]
    text: Mapped[str]
    source_id: Mapped[SourceRef]


class LabelWarning(ReferenceBase):
    """A warning every topical preparation's label carries, whatever its actives."""

    __tablename__ = "label_warning"
    key: Mapped[str] = mapped_column(primary_key=True)
    position: Mapped[int]
    text: Mapped[str]
    source_id: Mapped[SourceRef]
    schedules: Mapped[str | None]  # "CII CIII CIV": only with a controlled active of these schedules; NULL: every label


class ControlledLimit(ReferenceBase):
    """Refills and the months a prescription may be filled within, for the DEA schedules named."""

    __tablename__ = "controlled_limit"
    id: Mapped[IntPK]
    schedules: Mapped[str]  # space-separated: "CIII CIV"
    max_refills: Mapped[int]
    fill_within_months: Mapped[int | None]
    source_id: Mapped[SourceRef]


class Ingredient(ReferenceBase):
    """A form that is written or weighed: an active's salt, hydrate or free form, or an excipient."""

    __tablename__ = "ingredient"
    id: Mapped[IntPK]
    name: Mapped[Name]
    role: Mapped[str]  # active | excipient
    substance_id: Mapped[int | None] = mapped_column(ForeignKey("substance.id"))
    excipient_role: Mapped[str | None]
    physical_form: Mapped[str]
    formula: Mapped[str | None]
    molecular_weight: Mapped[float | None]  # g/mol
    molecular_weight_source_id: Mapped[SourceRef]
    density: Mapped[float | None]  # g/mL
    density_low: Mapped[float | None]  # g/mL
    density_high: Mapped[float | None]  # g/mL
    density_source_id: Mapped[SourceRef]
    substance: Mapped[Substance | None] = relationship(lazy="joined")


class Alias(ReferenceBase):
    """Another name a pharmacist types for an ingredient or a base."""

    __tablename__ = "alias"
    alias: Mapped[str] = mapped_column(primary_key=True)
    ingredient_id: Mapped[int | None] = mapped_column(ForeignKey("ingredient.id"))
    base_id: Mapped[int | None] = mapped_column(ForeignKey("base.id"))


class AmbiguousName(ReferenceBase):
    """A name that covers two forms (the USP article and the anhydrous salt labels state): one
    row per form it may mean; the pharmacist must choose."""

    __tablename__ = "ambiguous_name"
    id: Mapped[IntPK]
    name: Mapped[str]
    form: Mapped[str] = mapped_column(ForeignKey("ingredient.name"))
    source_id: Mapped[SourceRef]
    note: Mapped[str | None]


class Base(ReferenceBase):
    """A vehicle; whether it contains water and is preserved sets the beyond-use date."""

    __tablename__ = "base"
    id: Mapped[IntPK]
    name: Mapped[Name]
    maker: Mapped[str | None]
    dosage_form: Mapped[str]
    contains_water: Mapped[bool | None]
    contains_water_source_id: Mapped[SourceRef]
    preserved: Mapped[bool | None]
    preserved_source_id: Mapped[SourceRef]
    density: Mapped[float | None]  # g/mL
    density_source_id: Mapped[SourceRef]
    max_powder_load: Mapped[float | None]  # percent of the batch
    max_powder_load_source_id: Mapped[SourceRef]
    notes: Mapped[str | None]


class Balance(ReferenceBase):
    __tablename__ = "balance"
    id: Mapped[IntPK]
    name: Mapped[Name]
    readability: Mapped[float]  # g
    readability_source_id: Mapped[SourceRef]
    readability_note: Mapped[str | None]
    sensitivity: Mapped[float | None]  # mg
    sensitivity_source_id: Mapped[SourceRef]
    minimum_weighable: Mapped[float]  # g
    minimum_weighable_source_id: Mapped[SourceRef]
    minimum_weighable_note: Mapped[str | None]


class BudCategory(ReferenceBase):
    __tablename__ = "bud_category"
    key: Mapped[str] = mapped_column(primary_key=True)
    contains_water: Mapped[bool]
    preserved: Mapped[bool | None]
    days: Mapped[int]
    storage: Mapped[str]
    source_id: Mapped[SourceRef]


class CommercialProduct(ReferenceBase):
    """A commercially available product a compounded formula must not simply copy."""

    __tablename__ = "commercial_product"
    id: Mapped[IntPK]
    name: Mapped[str] = mapped_column(unique=True)
    source_id: Mapped[SourceRef]
    actives: Mapped[list[CommercialProductActive]] = relationship(order_by="CommercialProductActive.id", lazy="selectin")


class CommercialProductActive(ReferenceBase):
    __tablename__ = "commercial_product_active"
    id: Mapped[IntPK]
    product_id: Mapped[int] = mapped_column(ForeignKey("commercial_product.id"))
    form: Mapped[str] = mapped_column(ForeignKey("ingredient.name"))
    strength: Mapped[float]  # percent w/w, as the product's label states it


class BudStudyLimit(ReferenceBase):
    """The longest BUD a stability study may support (USP <795>)."""

    __tablename__ = "bud_study_limit"
    key: Mapped[str] = mapped_column(primary_key=True)
    days: Mapped[int]
    source_id: Mapped[SourceRef]
    note: Mapped[str | None]


class ScreeningClass(ReferenceBase):
    """A class of actives the screening rules act on (amide local anaesthetics, salicylates...)."""

    __tablename__ = "screening_class"
    key: Mapped[str] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(unique=True)


class ScreeningTerm(ReferenceBase):
    """A patient fact the screening rules need: an allergy, a condition or a medicine."""

    __tablename__ = "screening_term"
    key: Mapped[str] = mapped_column(primary_key=True)
    kind: Mapped[str]  # allergy | condition | medication
    name: Mapped[str] = mapped_column(unique=True)
    aliases: Mapped[list[ScreeningTermAlias]] = relationship(order_by="ScreeningTermAlias.alias", lazy="selectin")


class ScreeningTermAlias(ReferenceBase):
    __tablename__ = "screening_term_alias"
    alias: Mapped[str] = mapped_column(primary_key=True)
    term_key: Mapped[str] = mapped_column(ForeignKey("screening_term.key"))


class ScreeningRule(ReferenceBase):
    """A check of the preparation against the patient: which actives, which patient fact."""

    __tablename__ = "screening_rule"
    id: Mapped[IntPK]
    code: Mapped[str] = mapped_column(unique=True)
    severity: Mapped[str]  # error | warning | info
    therapeutic_class: Mapped[str | None]
    screening_class: Mapped[str | None] = mapped_column(ForeignKey("screening_class.key"))
    allergy: Mapped[str | None] = mapped_column(ForeignKey("screening_term.key"))
    condition: Mapped[str | None] = mapped_column(ForeignKey("screening_term.key"))
    medication: Mapped[str | None] = mapped_column(ForeignKey("screening_term.key"))
    age_at_least: Mapped[int | None]
    supply_days_over: Mapped[int | None]
    advice: Mapped[str]
    source_id: Mapped[SourceRef]
    substances: Mapped[list[ScreeningRuleSubstance]] = relationship(order_by="ScreeningRuleSubstance.id", lazy="selectin")


class ScreeningRuleSubstance(ReferenceBase):
    __tablename__ = "screening_rule_substance"
    id: Mapped[IntPK]
    rule_id: Mapped[int] = mapped_column(ForeignKey("screening_rule.id"))
    substance: Mapped[str]
