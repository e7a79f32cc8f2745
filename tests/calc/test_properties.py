"""Properties that hold for every formula, not only the ones we thought of."""

from __future__ import annotations

import io
import json
import math

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from compounder.calc import InputError, evaluate, parse_formula
from compounder.cli import run
from tests.conftest import TODAY

FORMS = [
    ("diclofenac sodium", ["diclofenac sodium", "diclofenac", "diclofenac potassium", "diclofenac diethylamine"]),
    ("lidocaine", ["lidocaine", "lidocaine hydrochloride (monohydrate, USP)", "lidocaine hydrochloride, anhydrous"]),
    ("cyclobenzaprine hydrochloride", ["cyclobenzaprine hydrochloride", "cyclobenzaprine"]),
    ("ketoprofen", ["ketoprofen"]),
    ("camphor", ["camphor"]),
    ("ketamine", ["ketamine hydrochloride", "ketamine"]),
]

strengths = st.floats(min_value=0.01, max_value=12, allow_nan=False)
potencies = st.one_of(st.none(), st.floats(min_value=90, max_value=101, allow_nan=False))


@st.composite
def formulas(draw):
    chosen = draw(st.lists(st.sampled_from(FORMS), min_size=1, max_size=5, unique_by=lambda f: f[0]))
    actives = []
    for written, stocks in chosen:
        line = {"ingredient": written, "strength": f"{draw(strengths)!r} %", "stock": draw(st.sampled_from(stocks))}
        potency = draw(potencies)
        if potency is not None:
            line["potency"] = f"{potency!r} %"
        actives.append(line)
    return {
        "batch": f"{draw(st.floats(min_value=5, max_value=2000))!r} g",
        "excess": f"{draw(st.floats(min_value=0, max_value=20))!r} %",
        "base": draw(st.sampled_from(["Lipoderm", "VersaPro Cream Base", "White Petrolatum USP"])),
        "actives": actives,
    }


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=formulas())
def test_lines_always_add_up_to_the_total(catalog, data):
    plan = evaluate(parse_formula(data), catalog, TODAY)
    assume(plan.base_line.grams.magnitude > 0)
    # what goes in (an aliquot's whole portion: its ingredient and the base it carries) adds up to the batch
    assert sum(line.into_batch.to("g").magnitude for line in plan.lines) == pytest.approx(plan.prepared.to("g").magnitude, rel=1e-12)
    assert plan.total.to("g").magnitude == pytest.approx(plan.prepared.to("g").magnitude, rel=1e-12)
    # and the prepared batch is the labelled one with its excess
    excess = float(data["excess"].split()[0])
    assert plan.prepared.to("g").magnitude == pytest.approx(float(data["batch"].split()[0]) * (1 + excess / 100), rel=1e-12)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(percent=st.floats(min_value=0.001, max_value=60, allow_nan=False), form=st.sampled_from(FORMS))
def test_percent_and_mg_per_g_give_the_same_grams(catalog, percent, form):
    def grams(strength):
        data = {"batch": "120 g", "base": "Lipoderm", "actives": [{"ingredient": form[0], "strength": strength, "stock": form[1][-1]}]}
        return evaluate(parse_formula(data), catalog, TODAY).lines[0].grams.to("g").magnitude

    # p % = 10 p mg/g
    assert grams(f"{percent!r} %") == pytest.approx(grams(f"{percent * 10!r} mg/g"), rel=1e-12)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(form=st.sampled_from([f for f in FORMS if len(f[1]) > 1]), percent=st.floats(min_value=0.1, max_value=20), data=st.data())
def test_converting_to_a_salt_and_back_returns_the_moiety(catalog, form, percent, data):
    written = form[0]
    salt = data.draw(st.sampled_from([s for s in form[1] if s != written]))
    there = {"batch": "100 g", "base": "Lipoderm", "actives": [{"ingredient": written, "strength": f"{percent!r} %", "stock": salt}]}
    salt_grams = evaluate(parse_formula(there), catalog, TODAY).lines[0].grams.to("g").magnitude
    back = {"batch": "100 g", "base": "Lipoderm", "actives": [{"ingredient": salt, "strength": f"{salt_grams!r} %", "stock": written}]}
    moiety_grams = evaluate(parse_formula(back), catalog, TODAY).lines[0].grams.to("g").magnitude
    # percent % of 100 g is `percent` grams of the written form
    assert moiety_grams == pytest.approx(percent, rel=1e-12)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)
quantity_texts = st.one_of(
    st.text(max_size=12),
    st.builds(lambda n, u: f"{n} {u}", st.floats(), st.sampled_from(["g", "%", "mL", "mg/g", "mg/mL", "kg", "click", "% w/v", "oz", ""])),
)


@st.composite
def mangled_formulas(draw):
    data = {"batch": "120 g", "base": "Lipoderm", "actives": [{"ingredient": "lidocaine", "strength": "5 %"}]}
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        target = draw(st.sampled_from(["batch", "base", "excess", "density", "strength", "stock", "potency", "directions", "extra"]))
        value = draw(st.one_of(quantity_texts, json_values))
        if target in ("strength", "stock", "potency"):
            data["actives"][0][target] = value
        elif target == "extra":
            if draw(st.booleans()):
                data = value  # the whole file is something else
                break
            data[draw(st.text(max_size=8))] = value
        else:
            data[target] = value
    return data


# 300 whole CLI runs: about 7 s on an idle machine, 30 s on a busy one, so it runs with the slow tests.
@pytest.mark.slow
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=mangled_formulas())
def test_no_input_makes_the_cli_raise(catalog, tmp_path_factory, data):
    path = tmp_path_factory.mktemp("fuzz") / "f.json"
    try:
        path.write_text(json.dumps(data), encoding="utf-8")
    except ValueError:
        return  # not representable as JSON (NaN is, but JSON lets Python write it)
    out, err = io.StringIO(), io.StringIO()
    status = run(["calc", str(path), "--json"], load_catalog=lambda _p: catalog, today=TODAY, stdout=out, stderr=err)
    assert status in (0, 1, 2)
    if status == 2:
        assert err.getvalue().count("\n") == 1 and "Traceback" not in err.getvalue()
    else:
        result = json.loads(out.getvalue())
        assert all(math.isfinite(line["grams"]) for line in result["lines"])


def test_input_error_is_a_value_error():
    assert issubclass(InputError, ValueError)
