"""The reference catalog as the engine sees it: look-up by name, with "did you mean".

The catalog is filled from the reference database by ``compounder.data``; the engine never
queries a database itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from compounder.calc.errors import InputError
from compounder.calc.model import (
    Balance,
    Base,
    BudCategory,
    Caution,
    CommercialProduct,
    ControlledLimit,
    Form,
    ScreeningClass,
    ScreeningRule,
    ScreeningTerm,
    Sourced,
    Substance,
)


def _key(name: str) -> str:
    return " ".join(name.casefold().replace("·", " ").split())


@dataclass
class Catalog:
    """Everything the engine knows of ingredients, bases, balances and BUD categories."""

    forms: tuple[Form, ...]
    substances: tuple[Substance, ...]
    bases: tuple[Base, ...]
    balances: tuple[Balance, ...]
    bud_categories: tuple[BudCategory, ...]
    default_balance: str | None = None
    screening_terms: tuple[ScreeningTerm, ...] = ()
    screening_rules: tuple[ScreeningRule, ...] = ()
    label_warnings: tuple[Caution, ...] = ()  # on every topical preparation's label, with sources
    # Names that cover two forms ("lidocaine hydrochloride": the USP monohydrate or the anhydrous
    # salt), each with the forms it may mean; refused so that the pharmacist chooses.
    ambiguous_names: tuple[tuple[str, tuple[str, ...]], ...] = ()
    controlled_limits: tuple[ControlledLimit, ...] = ()  # refills and fill dates by DEA schedule
    screening_classes: tuple[ScreeningClass, ...] = ()
    commercial_products: tuple[CommercialProduct, ...] = ()  # "essentially a copy" is checked against these
    study_bud_limit: Sourced[int] | None = None  # the longest BUD a formula's stability study may support (USP <795>)
    _forms: dict[str, Form] = field(init=False, repr=False)
    _bases: dict[str, Base] = field(init=False, repr=False)
    _balances: dict[str, Balance] = field(init=False, repr=False)
    _substances: dict[str, Substance] = field(init=False, repr=False)
    _ambiguous: dict[str, tuple[str, ...]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._forms = _index(self.forms, lambda f: (f.name, *f.aliases))
        self._bases = _index(self.bases, lambda b: (b.name, *b.aliases, *((f"{b.maker} {b.name}",) if b.maker else ())))
        self._balances = _index(self.balances, lambda b: (b.name,))
        self._substances = {_key(s.name): s for s in self.substances}
        self._ambiguous = {_key(name): tuple(forms) for name, forms in self.ambiguous_names}

    # -- look-ups that refuse unknown names with a suggestion
    def form(self, name: str, field: str) -> Form:
        if isinstance(name, str):
            meant = self._ambiguous.get(_key(name))
            if meant is not None:
                offered = " or ".join(f'"{form}" ({self._mw(form)})' for form in meant)
                raise InputError(
                    field, f'"{name.strip()}" names {len(meant)} forms with different molecular weights: {offered}; '
                    "write the one on the jar (for the strength: the form the prescription means)",
                )
        return _lookup(self._forms, name, field, "ingredient", "`compounder ingredients` lists them")

    def _mw(self, name: str) -> str:
        form = self._forms.get(_key(name))
        weight = form.molecular_weight if form is not None else None
        return f"{weight.value.magnitude:g} g/mol" if weight is not None else "molecular weight not on file"

    def base(self, name: str, field: str = "base") -> Base:
        return _lookup(self._bases, name, field, "base", "`compounder ingredients` lists the bases")

    def balance(self, name: str | None, field: str = "balance") -> Balance:
        if name is None:
            name = self.default_balance or self.balances[0].name
        return _lookup(self._balances, name, field, "balance", "choose one of: " + "; ".join(b.name for b in self.balances))

    def substance(self, name: str) -> Substance | None:
        return self._substances.get(_key(name))

    def forms_of(self, substance: str) -> tuple[Form, ...]:
        """The forms on file for a parent moiety (base or acid first, then its salts)."""
        found = [f for f in self.forms if _key(f.substance) == _key(substance)]
        return tuple(sorted(found, key=lambda f: (f.name != f.substance, f.name)))

    def bud_category(self, contains_water: bool, preserved: bool | None) -> BudCategory:
        for category in self.bud_categories:
            if category.contains_water == contains_water and (not contains_water or category.preserved == bool(preserved)):
                return category
        raise LookupError(f"no beyond-use-date category for water={contains_water}, preserved={preserved}")

    def screening_term(self, name: str, field: str, kind: str) -> ScreeningTerm:
        """A patient fact by key, name or alias; refuses an unknown one with the nearest known."""
        index = _index((t for t in self.screening_terms if t.kind == kind), lambda t: (t.key, t.name, *t.aliases))
        return _lookup(index, name, field, f"{kind} term", "`compounder screening-terms` lists them")

    def names(self) -> list[str]:
        return sorted({*(f.name for f in self.forms), *(b.name for b in self.bases)})


def _index(items: Iterable, names_of) -> dict:
    index: dict = {}
    for item in items:
        for name in names_of(item):
            index.setdefault(_key(name), item)
    return index


def _lookup(index: dict, name: str, field: str, what: str, hint: str):
    if not isinstance(name, str) or not name.strip():
        raise InputError(field, f"name the {what}; {hint}")
    found = index.get(_key(name))
    if found is not None:
        return found
    import difflib  # only for a name that is not found (the suggestion), not with the engine

    close = difflib.get_close_matches(_key(name), list(index), n=1, cutoff=0.6)
    suggestion = f'; did you mean "{index[close[0]].name}"?' if close else ""
    raise InputError(field, f'no {what} named "{name.strip()}" in the reference database{suggestion} ({hint})')
