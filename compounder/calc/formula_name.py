"""A master formula's name checked against its content, and a name derived from the content.

Issue 28, observation 8: version 2 of "…lidocaine 5 %…" held 4 %; the worksheet's header said
5 % and its line 4 %. The name is what a pharmacist reads first (the library, Make a batch, the
worksheet's header, history), so a name may never state a strength its content contradicts.

Why the typed name is *checked* rather than replaced by a derived one: pharmacies name their
formulas their own way ("cyclobenzaprine HCl", "in Lipoderm", "(Dr. Lee)", "pain cream #3"), the
shipped formulas and every batch already made carry such names, and a command line or a pharmacy
system finds a formula by its name; renaming them all from the content would break those and
read worse. What matters is that a strength the name *states* is the strength the formula
*makes*. So: every "<ingredient> <n> %" (or "<n> % <ingredient>", "mg/g", "% w/v") in the name
must be the strength of that ingredient in the content, a strength for an ingredient the formula
does not hold is refused, and a name that states strengths states every active's (a name that
lists two of three actives reads as the whole formula). A name that states no strength ("Pain
cream #3") states nothing to contradict. ``derived_name`` gives the name the content implies, in
the shipped formulas' style, as the suggestion where the pharmacist has not typed one.

Pure: no Qt, no SQLAlchemy; the library (``compounder.records.library``) refuses a contradicting
name when a version is saved or approved, and the workbench marks the name field as it is typed.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from compounder.calc.errors import InputError
from compounder.calc.units import (
    DIMENSIONLESS,
    G_PER_ML,
    MASS,
    MASS_PER_VOLUME,
    PERCENT,
    VOLUME,
    Quantity,
    magnitude_in,
    parse_quantity,
)

#: Abbreviations a pharmacist writes in a name for the words of an ingredient's name.
_ABBREVIATIONS = {
    "hcl": ("hydrochloride",), "hbr": ("hydrobromide",), "dihcl": ("dihydrochloride",), "na": ("sodium",), "sod": ("sodium",),
    "k": ("potassium",), "ca": ("calcium",),
}
#: Words and marks that end the subject of a strength ("… 3 % / lidocaine 5 % in Lipoderm").
_SEPARATORS = frozenset({"/", "+", ",", ";", "&", "(", ")", "and", "with", "in", "plus", "-"})
_STRENGTH = r"(?P<number>\d+(?:\.\d+)?|\.\d+)\s*(?P<unit>%\s*\(\s*w/[wv]\s*\)|%\s*w/[wv]|%|mg\s*/\s*g|mg\s*/\s*ml|mcg\s*/\s*g|µg\s*/\s*g)(?![\w/])"
_TOKEN = re.compile(_STRENGTH + r"|(?P<word>[^\W_]+(?:['’.-][^\W_]+)*)|(?P<mark>[/+,;&()-])", re.IGNORECASE)
_WORD = re.compile(r"[^\W_]+(?:['’.-][^\W_]+)*")
_ACCEPTED = (DIMENSIONLESS, MASS_PER_VOLUME, MASS, VOLUME)


@dataclass(frozen=True)
class _Stated:
    """One strength the name states, with the words naming its subject."""

    text: str  # "5 %" as written in the name
    strength: Quantity
    words: tuple[str, ...]  # the subject's words as written ("cyclobenzaprine", "HCl")
    before: bool  # the subject precedes the strength ("lidocaine 5 %") rather than follows ("5 % lidocaine")


@dataclass(frozen=True)
class _Line:
    ingredient: str
    strength_text: str
    role: str  # active | excipient
    key: tuple[str, ...]  # the ingredient's words as compared (abbreviations written out)


def name_problem(name: str, data: Mapping[str, Any]) -> str | None:
    """What in ``name`` the formula ``data`` (formula-file data) contradicts, in words for the
    pharmacist; ``None`` when the name states nothing the content contradicts."""
    lines = _lines(data)
    stated = _stated(name)
    if not stated:
        return None
    problems: list[str] = []
    covered: set[int] = set()
    for item in stated:
        found = _subject(item, lines)
        said = f"{' '.join(item.words)} {item.text}" if item.before else f"{item.text} {' '.join(item.words)}"
        if isinstance(found, str):
            problems.append(found.format(said=said.strip()))
            continue
        index, line = found
        covered.add(index)
        differs = _differs(item.text, item.strength, line, data)
        if differs is not None:
            problems.append(f'it says "{said.strip()}" but the formula has {line.ingredient} {line.strength_text}{differs}')
    missing = [line for index, line in enumerate(lines) if line.role == "active" and index not in covered]
    if missing and not problems:
        listed = ", ".join(f"{line.ingredient} {line.strength_text}" for line in missing)
        problems.append(f"it states strengths but not that of {listed}, which the formula also holds")
    if not problems:
        return None
    suggestion = derived_name(data)
    hint = f'; correct the name or the formula (the content implies "{suggestion}")' if suggestion else "; correct the name or the formula"
    return "; ".join(problems) + hint


def check_name(name: str, data: Mapping[str, Any]) -> None:
    """``InputError`` on the field ``name`` when the name states a strength the content contradicts."""
    problem = name_problem(name, data)
    if problem is not None:
        raise InputError("name", problem)


def derived_name(data: Mapping[str, Any]) -> str:
    """The name the content implies, in the shipped formulas' style: "Diclofenac sodium 3 % /
    cyclobenzaprine HCl 2 % / lidocaine 5 % in Lipoderm" (actives as written, then the base).
    Empty when the content has no active and no base to name."""
    parts = [f"{_abbreviated(line.ingredient)} {line.strength_text}".strip() for line in _lines(data) if line.role == "active"]
    text = " / ".join(part for part in parts if part)
    base = data.get("base")
    if isinstance(base, str) and base.strip():
        text = f"{text} in {' '.join(base.split())}" if text else " ".join(base.split())
    return text[:1].upper() + text[1:]


# --------------------------------------------------------------------------- the name's statements


def _stated(name: str) -> list[_Stated]:
    """Each strength in ``name`` with its subject: the words just before it, or, where none are
    (the name's start, or just after "/", "+", "in", …), the words just after it."""
    tokens: list[tuple[str, str]] = []  # (kind, text): strength | word | separator
    for match in _TOKEN.finditer(name if isinstance(name, str) else ""):
        if match.group("number") is not None:
            tokens.append(("strength", match.group(0)))
        elif match.group("word") is not None:
            word = match.group("word")
            tokens.append(("separator" if word.casefold() in _SEPARATORS else "word", word))
        else:
            tokens.append(("separator", match.group("mark")))
    found = []
    for position, (kind, text) in enumerate(tokens):
        if kind != "strength":
            continue
        try:
            strength = parse_quantity(" ".join(text.split()), "name", _ACCEPTED)
        except InputError:
            continue  # not a strength after all ("0 %"): the name states nothing there
        before = _run(tokens, position - 1, -1)
        words, precedes = (before, True) if before else (_run(tokens, position + 1, 1), False)
        found.append(_Stated(" ".join(text.split()), strength, tuple(words), precedes))
    return found


def _run(tokens: list[tuple[str, str]], start: int, step: int) -> list[str]:
    """The words from ``start`` in direction ``step`` up to a separator or another strength."""
    words: list[str] = []
    index = start
    while 0 <= index < len(tokens) and tokens[index][0] == "word":
        words.append(tokens[index][1])
        index += step
    return words[::-1] if step < 0 else words


def _key(words: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    expanded: list[str] = []
    for word in words:
        lowered = word.casefold().strip(".")
        expanded.extend(_ABBREVIATIONS.get(lowered, (lowered,)))
    return tuple(expanded)


def _subject(item: _Stated, lines: list[_Line]) -> tuple[int, _Line] | str:
    """The line the stated strength is of: the longest run of the subject's words (nearest the
    strength) that is the ingredient's name or the start of it ("lidocaine" for "lidocaine
    hydrochloride", "diclofenac" for "diclofenac sodium"). A message when none or two are."""
    if not item.words:
        return 'it states "{said}" without saying of what'
    keys = [(index, line, line.key) for index, line in enumerate(lines)]
    words = _key(item.words)
    spans = [words[-size:] for size in range(len(words), 0, -1)] if item.before else [words[:size] for size in range(len(words), 0, -1)]
    for span in spans:
        exact = [(index, line) for index, line, key in keys if key == span]
        if len(exact) == 1:
            return exact[0]
        starts = [(index, line) for index, line, key in keys if key[: len(span)] == span]
        if len(starts) == 1:
            return starts[0]
        if len(starts) > 1:
            names = " and ".join(line.ingredient for _index, line in starts)
            return 'it says "{said}", which could be ' + names + "; name the form as the formula does"
    held = ", ".join(line.ingredient for line in lines) or "no ingredient"
    return 'it says "{said}" but the formula holds no such ingredient (it holds ' + held + ")"


def _differs(stated_text: str, stated: Quantity, line: _Line, data: Mapping[str, Any]) -> str | None:
    """``None`` when the stated strength is the line's; else a few words on how it differs
    (empty when the numbers simply differ)."""
    if item_text_is(stated_text, line.strength_text):
        return None  # written alike: the usual case, and no unit arithmetic on every keystroke
    try:
        written = parse_quantity(line.strength_text, "strength", _ACCEPTED)
    except InputError:
        return " (a strength that cannot be read)"
    if written.dimensionality == MASS and stated.dimensionality == DIMENSIONLESS:
        batch = data.get("batch")
        try:
            total = parse_quantity(batch, "batch", (MASS,)) if isinstance(batch, str) else None
        except InputError:
            total = None
        if total is None:
            return f" in the batch, which is not a mass to compare {_plain(stated)} with"
        written = (written / total).to("percent")
    if written.dimensionality != stated.dimensionality:
        return f", a strength of another kind; write it in the name as the formula does ({line.strength_text})"
    unit = PERCENT if written.dimensionality == DIMENSIONLESS else G_PER_ML
    same = math.isclose(magnitude_in(written, unit), magnitude_in(stated, unit), rel_tol=1e-9, abs_tol=1e-12)
    return None if same else ""


def item_text_is(a: str, b: str) -> bool:
    """"5 %" and "5  %" are one strength written alike (case and spacing aside)."""
    return a.replace(" ", "").casefold() == b.replace(" ", "").casefold()


def _plain(quantity: Quantity) -> str:
    return f"{quantity.magnitude:g} {quantity.units:~}"


def _lines(data: Mapping[str, Any]) -> list[_Line]:
    found = []
    for group, role in (("actives", "active"), ("excipients", "excipient")):
        items = data.get(group) if isinstance(data, Mapping) else None
        for item in items if isinstance(items, list) else []:
            if isinstance(item, Mapping) and isinstance(item.get("ingredient"), str) and item["ingredient"].strip():
                strength = item.get("strength")
                ingredient = " ".join(item["ingredient"].split())
                found.append(_Line(ingredient, " ".join(strength.split()) if isinstance(strength, str) else "", role,
                                   _key(_WORD.findall(ingredient))))
    return found


def _abbreviated(ingredient: str) -> str:
    """"cyclobenzaprine hydrochloride" → "cyclobenzaprine HCl", as the shipped names write it."""
    return re.sub(r"\bhydrochloride\b", "HCl", re.sub(r"\bhydrobromide\b", "HBr", ingredient, flags=re.IGNORECASE), flags=re.IGNORECASE)
