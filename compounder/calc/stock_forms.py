"""The stock forms a lot of an ingredient may be, by the reference catalog (issue 28: a receipt
fills in the stock form only where the ingredient leaves no choice).

A salt or ester named ("diclofenac sodium", "cyclobenzaprine HCl") is that one form; a parent
moiety named ("lidocaine") may be received as any of its forms on file (the base, its salts, each
with its own molecular weight), so the stock form stays the pharmacist's to type; a base
("Lipoderm") is itself. An unknown or ambiguous name gives none.
"""

from __future__ import annotations

from compounder.calc.catalog import Catalog
from compounder.calc.errors import InputError


def stock_forms(catalog: Catalog, ingredient: str) -> tuple[str, ...]:
    """The catalog's names of the forms a lot of ``ingredient`` may be (empty when unknown)."""
    name = ingredient.strip()
    if not name:
        return ()
    try:
        form = catalog.form(name, "ingredient")
    except InputError:
        try:
            return (catalog.base(name, "ingredient").name,)
        except InputError:
            return ()
    if form.name.casefold() != form.substance.casefold():
        return (form.name,)
    return tuple(found.name for found in catalog.forms_of(form.substance))
