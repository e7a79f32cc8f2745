"""The fuzz corpus of issue #14 as a property: a formula file (and the pharmacy settings) with
hostile values in one to four places, or hostile bytes, put through ``calc``, ``worksheet`` and
``label`` (the document renderers). Any exit other than 0, 1 or 2, any exception out of ``run``,
or a refusal that is not one line, fails it.

Examples per run: COMPOUNDER_FUZZ_EXAMPLES (default 40, so the suite stays fast; .ci can raise
it). The exit statuses seen are printed at the end of the session.
"""

from __future__ import annotations

import copy
import io
import json
import os
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compounder.calc.field_limits import TEXT_LIMITS, text_limit
from compounder.calc.label_stock import LABEL_STOCKS
from compounder.cli import run
from tests.conftest import TODAY
from tests.documents.helpers import PHARMACY, issue_formula

EXAMPLES = int(os.environ.get("COMPOUNDER_FUZZ_EXAMPLES", "40"))
COUNTS: Counter[int] = Counter()  # exit status → generated inputs
WRITTEN: Counter[str] = Counter()  # command → PDFs written (the renderers ran to the end)


def _at(limit: int, extra: int = 0) -> str:
    return ("Wwwwwwwww " * (limit // 10 + 2))[: limit + extra]


# Text a person, a paste or a program might put in a field.
HOSTILE_TEXT = [
    "", " ", "\t\n", "\u200b", "\u200b\u200e\u2066\u2069", "\u202egnp.exe", "\ufeff", "\u3164", "\u00ad", "\x00", "\x07bell",
    "A" * 5000, "Wwwwwwwww " * 500, "x\n" * 200, "💊" * 60, "李" * 150, "a\u0301" * 300, "\ud800", "Ω≈ç√∫",
    "<b>bold</b> &amp; <font size=80>big</font>", "<para>", "&", "%s %d {0}", "\\", "'; DROP TABLE batch; --", "../../etc/passwd",
    "RX-104233", "Jane Doe", "Dr. A. Smith", "Topi-CLICK 35 mL", "topi-click", "click pump", "60 g ointment jar",
    "\u01c4" * 1000, "\u2030" * 1000, "W" * 1000,  # issue 21: wide glyphs at a field's limit (a row taller than the page)
    *(_at(limit, extra) for limit in sorted(set(TEXT_LIMITS.values())) for extra in (0, 1)),
]
HOSTILE_DATES = [
    "9999-12-31", "0001-01-01", "1899-12-31", "1900-01-01", "2099-12-31", "2100-01-01", "2199-12-31", "2026-02-30", "2026-11-23",
    "2026-11-24", "2027-01-01", "1948-03-02", "20261123", "2026-11-23T10:00", "+2026-01-01", "yesterday",
]
HOSTILE_QUANTITIES = [
    "1e30 g", "0 g", "-5 %", "5", "5 %%", "inf g", "nan %", "1/0 g", "5 parsec", "120 g", "100 mL", "4 click", "1 g", "0.5 kg",
    "99.999999 %", "1e-300 %", "50000 g", "50001 g", "1 L", "3 oz", "2 tbsp",
    # issue 21: unit expressions pint would evaluate (9**9**9 never finished), and the grammar's bounds
    "120 g ** 9**9**9", "5 % ** 9**9**9", "1 g**2", "120 (g)", "120 g*g/g", "120 g^9^9", "120 g\u00b2", "1e12 g", "1e9 g",
    "20 mg/mL/mL/mL", "120 " + "g" * 60, "9" * 50 + " g", "120 g / / mL", "120 __import__",
]
HOSTILE_NUMBERS = [0, -1, 1, 3, 24, 25, 99, 100, 10**30, 1e308, 1e-308, 0.5, True, False]
HOSTILE_STRUCTURES = [None, [], {}, [[[]]], {"a": {"b": {}}}, ["Jane"], {"patient": "Jane"}]

json_leaf = st.one_of(
    st.sampled_from(HOSTILE_TEXT), st.sampled_from(HOSTILE_DATES), st.sampled_from(HOSTILE_QUANTITIES),
    st.sampled_from(HOSTILE_NUMBERS),
    # A fresh copy each time: the same list or object put at two paths of one case would be
    # filled through one and found inside itself at the other (json.dumps: circular reference).
    st.sampled_from(HOSTILE_STRUCTURES).map(copy.deepcopy), st.text(max_size=30),
)
hostile_value = st.one_of(json_leaf, st.lists(json_leaf, max_size=4))
# Text that passes the checks and must then be laid out: at the limits, in scripts the font may
# lack, with ReportLab's markup characters.
printable_text = st.one_of(
    st.sampled_from([_at(limit) for limit in sorted(set(TEXT_LIMITS.values()))]),
    st.sampled_from(["<b>bold</b> &amp; <font size=80>big</font>", "<para>", "&", "a & b < c > d", "%s {0} \\", "Ω≈ç√∫",
                     "Ünïcödé Jöhn-Åke", "李" * 30, "💊", "W" * 40, "l" * 40, "Zoë O'Brien-Smythe"]),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1, max_size=60),
)
TEXT_PATHS = [
    ("name",), ("formula_version",), ("container",), ("steps", 0), ("checks", 0), ("directions", "area"),
    ("prescription", "patient"), ("prescription", "prescriber"), ("prescription", "directions"),
    ("actives", 0, "manufacturer"), ("actives", 1, "manufacturer"), ("excipients", 0, "manufacturer"),
    ("patient", "medication_notes"), ("acknowledged", 0, "by"), ("acknowledged", 1, "reason"),
]

FORMULA_PATHS = [
    ("name",), ("batch",), ("base",), ("excess",), ("density",), ("balance",), ("compounded_on",), ("base_lot",),
    ("base_expires",), ("formula_version",), ("batch_number",), ("container",), ("steps",), ("checks",), ("acknowledged",),
    ("patient",), ("directions",), ("directions", "amount"), ("directions", "times_per_day"), ("directions", "area"),
    *(("prescription", key) for key in
      ("patient", "date_of_birth", "rx_number", "prescriber", "directions", "quantity", "refills", "written_on", "unknown")),
    *(("actives", 0, key) for key in ("ingredient", "strength", "stock", "potency", "lot", "expires", "manufacturer")),
    *(("excipients", 0, key) for key in ("ingredient", "strength", "lot", "expires")),
    ("patient", "date_of_birth"), ("patient", "weight"), ("patient", "allergies"), ("patient", "medication_notes"),
    ("steps", 0), ("checks", 0), ("acknowledged", 0, "code"), ("acknowledged", 0, "by"), ("acknowledged", 0, "reason"),
    ("acknowledged", 0, "at"), ("acknowledged", 0, "override"),
]
SETTINGS_KEYS = ["name", "address", "phone", "licence", "label_stock", "worksheet_paper", "final_weight_tolerance"]

RAW_FILES = [
    b"", b"{", b"[]", b"null", b"\xff\xfe{}", b'{"batch": "120 g", "batch": "60 g", "base": "Lipoderm"}',
    b'{"batch": NaN}', b'{"batch": Infinity, "base": "Lipoderm"}', b"[" * 2000 + b"]" * 2000, b'{"a":' * 3000 + b"1" + b"}" * 3000,
    b'{"batch": ' + b"9" * 5000 + b"}", b"\x00" * 100, "{\"name\": \"\u200b\"}".encode(),
    b'{"batch": "120 g ** 9**9**9", "base": "Lipoderm"}', b"[" * 10_000 + b"]" * 10_000, b'{"batch": "caf\xe9 g"}',
]
# Pharmacy settings files as bytes (issue 21: nested 10,000 deep was a RecursionError).
RAW_SETTINGS = [b"[" * 10_000 + b"]" * 10_000, b'{"name": ' + b"[" * 10_000 + b"]" * 10_000 + b"}", b"\xff\xfe", b"", b"{"]


def _put(data, path, value) -> None:
    """Set ``value`` at ``path``, replacing what is on the way by a list or an object as the next
    step needs (an earlier change may have put text where an object was)."""
    target = data
    for step, following in zip(path, path[1:], strict=False):
        wanted = list if isinstance(following, int) else dict
        child = _child(target, step)
        if not isinstance(child, wanted):
            child = wanted()
            _set(target, step, child)
        target = child
    _set(target, path[-1], value)


def _child(target, step):
    if isinstance(target, list):
        return target[step] if step < len(target) else None
    return target.get(step)


def _set(target, step, value) -> None:
    if isinstance(target, list):
        while len(target) <= step:
            target.append(None)
    target[step] = value


@st.composite
def cases(draw):
    # Every warning the untouched file raises is acknowledged, so an input the fuzz leaves valid reaches the
    # renderers (exit 0); an acknowledgement of a finding not raised is refused (exit 2). Born 1948: the Beers
    # list; a CNS depressant with cyclobenzaprine; 120 g at 3 g a day lasts 40 days, beyond the 14-day BUD.
    data = issue_formula(acknowledged=[
        {"code": code, "by": "J. Kim, RPh", "reason": "prescriber confirmed the therapy by phone"}
        for code in ("MUSCLE_RELAXANT_OLDER_ADULT", "CYCLOBENZAPRINE_CNS_DEPRESSANT", "SUPPLY_BEYOND_BUD")
    ])
    data["patient"] = {"date_of_birth": "1948-03-02", "weight": "62 kg", "allergies": [], "conditions": [], "medications": ["CNS depressant"]}
    raw = None
    mode = draw(st.integers(0, 9))  # 0: hostile bytes; 1-4: only text within limits (the renderers' share); else mixed
    if mode == 0:
        raw = draw(st.sampled_from(RAW_FILES))
    else:
        for _ in range(draw(st.integers(1, 4))):
            kind = 0 if mode <= 4 else draw(st.integers(0, 9))
            if kind < 5:  # text within the field's limit, to reach the renderers
                path = draw(st.sampled_from(TEXT_PATHS))
                field = ".".join(str(step) for step in path if not isinstance(step, int))
                _put(data, path, draw(printable_text)[: text_limit("formula" if field == "name" else field)])
            elif kind == 5:
                _drop(data, draw(st.sampled_from(FORMULA_PATHS)))
            else:
                _put(data, draw(st.sampled_from(FORMULA_PATHS)), draw(hostile_value))
    pharmacy: dict | bytes = dict(PHARMACY)
    if draw(st.integers(0, 4)) == 0:
        pharmacy[draw(st.sampled_from(SETTINGS_KEYS))] = draw(st.one_of(hostile_value, printable_text))
    elif draw(st.integers(0, 19)) == 0:
        pharmacy = draw(st.sampled_from(RAW_SETTINGS))
    command = draw(st.sampled_from(["calc", "calc --json", "worksheet", "label"]))
    options: list[str] = []
    if draw(st.integers(0, 3)) == 0:
        options += ["--date", draw(st.sampled_from(HOSTILE_DATES))]
    if command == "worksheet" and draw(st.booleans()):
        options += ["--paper", draw(st.sampled_from(["letter", "a4"]))]
    if command == "label" and draw(st.booleans()):
        options += ["--stock", draw(st.sampled_from([*LABEL_STOCKS, "bogus"])), "--position", str(draw(st.integers(-1, 40)))]
    return data, raw, pharmacy, command, options


def _drop(data, path) -> None:
    target = data
    for step in path[:-1]:
        try:
            target = target[step]
        except (KeyError, IndexError, TypeError):
            return
    if isinstance(target, dict):
        target.pop(path[-1], None)


def summary() -> str | None:
    """The line the session's terminal summary prints (tests/cli/conftest.py)."""
    if not COUNTS:
        return None
    line = ", ".join(f"exit {code}: {n}" for code, n in sorted(COUNTS.items()))
    pdfs = ", ".join(f"{n} {command}" for command, n in sorted(WRITTEN.items())) or "none"
    return f"{sum(COUNTS.values())} generated inputs through calc, worksheet and label; {line}; PDFs written: {pdfs}"


@pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisWarning")  # the repr of a 5,000-character field is long
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(case=cases())
def test_no_hostile_input_ends_other_than_0_1_or_2(catalog, tmp_path_factory, case):
    data, raw, pharmacy, command, options = case
    folder = tmp_path_factory.mktemp("fuzz")
    formula = folder / "formula.json"
    formula.write_bytes(raw if raw is not None else json.dumps(data).encode("utf-8", "surrogatepass"))
    settings_file = folder / "pharmacy.json"
    settings_file.write_bytes(pharmacy if isinstance(pharmacy, bytes) else json.dumps(pharmacy).encode("utf-8"))
    argv = [*command.split(), str(formula), *options]
    if command in ("worksheet", "label"):
        argv += ["--out", str(folder / "out.pdf"), "--pharmacy-settings", str(settings_file)]
    out, err = io.StringIO(), io.StringIO()
    status = run(argv, load_catalog=lambda _p: catalog, today=TODAY, stdout=out, stderr=err)  # an exception fails the test
    COUNTS[status] += 1
    assert status in (0, 1, 2), err.getvalue()
    message = err.getvalue()
    assert "Traceback" not in message and "internal error" not in message
    if status == 2:
        assert message.count("\n") == 1, message
    if status == 0 and command in ("worksheet", "label"):
        assert (folder / "out.pdf").read_bytes().startswith(b"%PDF")
        WRITTEN[command] += 1
    if status != 0 and command in ("worksheet", "label"):
        assert not (folder / "out.pdf").exists()
