"""Issue 28, observation 8: a master formula's name is tied to its content. Every strength the
name states must be the strength the formula makes; a name that states strengths states every
active's; a name that states none states nothing to contradict."""

from __future__ import annotations

import copy

import pytest

from compounder.calc import InputError
from compounder.calc.formula_name import check_name, derived_name, name_problem
from compounder.records.library import reference_formulas

SEED = {
    "name": "Diclofenac sodium 3 % / cyclobenzaprine HCl 2 % / lidocaine 5 % in Lipoderm",
    "batch": "120 g", "base": "Lipoderm",
    "actives": [
        {"ingredient": "diclofenac sodium", "strength": "3 %"},
        {"ingredient": "cyclobenzaprine hydrochloride", "strength": "2 %"},
        {"ingredient": "lidocaine", "strength": "5 %", "stock": "lidocaine hydrochloride monohydrate"},
    ],
    "excipients": [{"ingredient": "ethoxydiglycol", "strength": "5 %"}],
}


def with_lidocaine(strength: str) -> dict:
    data = copy.deepcopy(SEED)
    data["actives"][2]["strength"] = strength
    return data


def test_version_2_holding_4_percent_under_a_name_saying_5_percent_is_refused_naming_the_field():
    """The observation as seen: the name says lidocaine 5 %, the content 4 %."""
    with pytest.raises(InputError) as caught:
        check_name(SEED["name"], with_lidocaine("4 %"))
    assert caught.value.field == "name"
    assert caught.value.message.startswith('it says "lidocaine 5 %" but the formula has lidocaine 4 %')
    assert 'the content implies "Diclofenac sodium 3 % / cyclobenzaprine HCl 2 % / lidocaine 4 % in Lipoderm"' in caught.value.message


def test_the_seed_formula_and_every_shipped_formula_name_their_content():
    assert name_problem(SEED["name"], SEED) is None  # HCl read as hydrochloride; the excipient need not be named
    for formula in reference_formulas():
        assert name_problem(formula.name, formula.data) is None, formula.key


@pytest.mark.parametrize(
    ("name", "strength"),
    [
        # 50 mg/g = 50 mg / 1000 mg = 5 %
        ("Lidocaine 5 % cream", "50 mg/g"),
        ("Lidocaine 50 mg/g cream", "5 %"),
        # 2.4 g in a 120 g batch: 2.4 / 120 = 0.02 = 2 %
        ("Lidocaine 2 % cream", "2.4 g"),
        # 2 % w/v = 2 g per 100 mL = 20 mg/mL
        ("Lidocaine 2 % w/v gel", "20 mg/mL"),
        ("5 % lidocaine cream", "5 %"),  # the strength before the ingredient
    ],
)
def test_the_same_strength_written_another_way_agrees(name, strength):
    data = {"batch": "120 g", "base": "Lipoderm", "actives": [{"ingredient": "lidocaine", "strength": strength}]}
    assert name_problem(name, data) is None


@pytest.mark.parametrize(
    ("name", "said"),
    [
        # 2.5 g in 120 g = 2.083 %, not 2 %
        ("Lidocaine 2 % cream", 'it says "Lidocaine 2 %" but the formula has lidocaine 2.5 g'),
        ("Ketoprofen 10 % / lidocaine 2 % cream", 'it says "Ketoprofen 10 %" but the formula holds no such ingredient (it holds lidocaine)'),
        ("Lidocaine 2 % / 5 %", 'it states "5 %" without saying of what'),
        ("Lidocaine 2 % / 5 % cream", 'it says "5 % cream" but the formula holds no such ingredient'),
    ],
)
def test_a_strength_the_content_contradicts_or_for_an_ingredient_it_lacks_is_refused(name, said):
    data = {"batch": "120 g", "base": "Lipoderm", "actives": [{"ingredient": "lidocaine", "strength": "2.5 g"}]}
    problem = name_problem(name, data)
    assert problem is not None and said in problem, problem


def test_a_name_that_states_strengths_states_every_actives():
    data = {"base": "Lipoderm", "actives": [{"ingredient": "ibuprofen", "strength": "10 %"}, {"ingredient": "lidocaine", "strength": "5 %"}]}
    problem = name_problem("Ibuprofen 10 % cream", data)
    assert problem is not None and problem.startswith("it states strengths but not that of lidocaine 5 %")
    assert name_problem("Ibuprofen 10 % / lidocaine 5 % cream", data) is None


def test_a_name_stating_no_strength_states_nothing_to_contradict():
    assert name_problem("Pain cream #3 (Dr. Lee)", with_lidocaine("4 %")) is None


def test_a_strength_of_another_kind_is_refused_rather_than_guessed():
    """2 % (w/w) and 20 mg/mL agree only at a density of 1 g/mL, which the name does not say."""
    data = {"base": "Lipoderm", "actives": [{"ingredient": "lidocaine", "strength": "20 mg/mL"}]}
    problem = name_problem("Lidocaine 2 % gel", data)
    assert problem is not None and "a strength of another kind; write it in the name as the formula does (20 mg/mL)" in problem


def test_a_name_that_could_be_two_forms_is_refused():
    data = {"base": "Lipoderm", "actives": [{"ingredient": "diclofenac sodium", "strength": "1 %"}, {"ingredient": "diclofenac epolamine", "strength": "1 %"}]}
    problem = name_problem("Diclofenac 1 % / diclofenac epolamine 1 %", data)
    assert problem is not None and problem.startswith('it says "Diclofenac 1 %", which could be diclofenac sodium and diclofenac epolamine')


def test_the_derived_name_is_the_content_in_the_shipped_style():
    assert derived_name(with_lidocaine("4 %")) == "Diclofenac sodium 3 % / cyclobenzaprine HCl 2 % / lidocaine 4 % in Lipoderm"
    assert name_problem(derived_name(with_lidocaine("4 %")), with_lidocaine("4 %")) is None
