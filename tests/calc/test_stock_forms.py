"""``calc.stock_forms``: the stock forms a lot of an ingredient may be, by the reference catalog.
A receipt fills the stock form in only when there is exactly one (issue 28)."""

from __future__ import annotations

import pytest

from compounder.calc.stock_forms import stock_forms


@pytest.mark.parametrize(("ingredient", "forms"), [
    ("diclofenac sodium", ("diclofenac sodium",)),  # a salt named is that salt
    ("cyclobenzaprine HCl", ("cyclobenzaprine hydrochloride",)),  # by its alias, the catalog's name
    ("  Ketamine HCl ", ("ketamine hydrochloride",)),
    ("Lipoderm", ("Lipoderm",)),  # a base is itself
    ("lidocaine hydrochloride", ()),  # two forms with different molecular weights: the jar says which
    ("no such powder", ()),
    ("", ()),
])
def test_the_stock_forms_an_ingredient_may_be_received_as(catalog, ingredient, forms):
    assert stock_forms(catalog, ingredient) == forms


def test_a_parent_moiety_may_be_received_as_the_base_or_any_of_its_salts(catalog):
    forms = stock_forms(catalog, "lidocaine")
    assert forms[0] == "lidocaine" and len(forms) > 1  # the base first, then its salts: never filled in
    assert all(catalog.form(form, "stock").substance == "lidocaine" for form in forms)
