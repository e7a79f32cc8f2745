"""What changed between two versions of a master formula, as a pharmacist reviews it before
approving: per ingredient (added, removed, strength, the stock form or salt weighed, potency…),
the base, the batch size and excess, what sets the beyond-use date, and the instructions.

Issue 28, observation 8: approval was a Yes/No on the name with no difference shown. The
approval dialog and ``compounder formulas approve`` list these changes before anything is
approved. Also here: ``reapplied``, a person's edit applied on a newer version (issue 21).

Pure: formula-file dicts in, ``Change`` values out; no Qt, no SQLAlchemy.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from compounder.calc.master_record import ELEMENTS
from compounder.calc.master_record import KEY as MASTER_RECORD

Kind = Literal["added", "removed", "changed"]

#: The formula's own fields in the order a pharmacist reads them, with their words.
_TOP = (
    ("name", "name"), ("base", "base"), ("batch", "batch size"), ("excess", "excess"), ("density", "density"),
    ("balance", "balance"),
)
_BUD = (("base_description", "base description (sets the beyond-use date)"), ("stability", "stability reference (sets the beyond-use date)"))
_INSTRUCTIONS = (("directions", "directions for use"), ("steps", "compounding steps"), ("checks", "quality checks"))
_LINE_KEYS = (
    ("strength", "strength"), ("stock", "stock form weighed (salt)"), ("basis", "strength meant as"), ("potency", "potency"),
    ("lot", "lot"), ("expires", "expiry"), ("manufacturer", "manufacturer"),
)
_GROUPS = (("actives", "active"), ("excipients", "excipient"))


@dataclass(frozen=True)
class Change:
    """One difference: ``subject`` ("lidocaine strength", "base"), what it was and is now."""

    kind: Kind
    subject: str
    before: str | None
    after: str | None

    @property
    def text(self) -> str:
        if self.kind == "added":
            return f"{self.subject} added" + (f": {self.after}" if self.after else "")
        if self.kind == "removed":
            return f"{self.subject} removed" + (f" (was {self.before})" if self.before else "")
        return f"{self.subject} {self.before or 'none'} → {self.after or 'none'}"


def formula_diff(before: Mapping[str, Any] | None, after: Mapping[str, Any]) -> tuple[Change, ...]:
    """Every difference from ``before`` to ``after`` (``None``: no earlier version, everything
    is new), in reading order: the formula's fields, each ingredient, the beyond-use date's
    grounds, the instructions, then anything else."""
    old: Mapping[str, Any] = before or {}
    changes: list[Change] = []
    for key, label in _TOP:
        changes += _field(old, after, key, label)
    changes += _ingredients(old, after)
    for key, label in (*_BUD, *_INSTRUCTIONS):
        changes += _field(old, after, key, label)
    changes += _master_record(old, after)
    known = {key for key, _label in (*_TOP, *_BUD, *_INSTRUCTIONS)} | {group for group, _role in _GROUPS} | {MASTER_RECORD}
    for key in sorted(set(old) | set(after)):
        if key not in known:
            changes += _field(old, after, key, key.replace("_", " "))
    return tuple(changes)


def _master_record(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Change]:
    """The master formulation record's elements, each by its own words."""
    a, b = old.get(MASTER_RECORD), new.get(MASTER_RECORD)
    a, b = (a if isinstance(a, Mapping) else {}), (b if isinstance(b, Mapping) else {})
    changes: list[Change] = []
    for key, label in ELEMENTS:
        changes += _field(a, b, key, label)
    for key in sorted((set(a) | set(b)) - {key for key, _label in ELEMENTS}):
        changes += _field(a, b, key, f"master record {key.replace('_', ' ')}")
    return changes


def describe(changes: tuple[Change, ...]) -> str:
    """The changes in one line: "lidocaine strength 5 % → 4 %; base Lipoderm → VersaBase"."""
    return "; ".join(change.text for change in changes)


def _field(old: Mapping[str, Any], new: Mapping[str, Any], key: str, label: str) -> list[Change]:
    a, b = old.get(key), new.get(key)
    if _shown(a) == _shown(b):
        return []
    if a is None:
        return [Change("added", label, None, _shown(b))]
    if b is None:
        return [Change("removed", label, _shown(a), None)]
    return [Change("changed", label, _shown(a), _shown(b))]


def _ingredients(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Change]:
    before, after = _by_ingredient(old), _by_ingredient(new)
    changes: list[Change] = []
    for key, (role, line) in after.items():
        name = _name(line)
        if key not in before:
            changes.append(Change("added", f"{role} {name}", None, _line_summary(line)))
            continue
        was_role, was = before[key]
        if was_role != role:
            changes.append(Change("changed", f"{name} role", was_role, role))
        for field, label in _LINE_KEYS:
            changes += _field(was, line, field, f"{name} {label}")
        for field in sorted((set(was) | set(line)) - {k for k, _label in _LINE_KEYS} - {"ingredient"}):
            changes += _field(was, line, field, f"{name} {field.replace('_', ' ')}")
    for key, (role, line) in before.items():
        if key not in after:
            changes.append(Change("removed", f"{role} {_name(line)}", _line_summary(line), None))
    return changes


def _by_ingredient(data: Mapping[str, Any]) -> dict[str, tuple[str, Mapping[str, Any]]]:
    """Each line by its ingredient (a second line of the same ingredient as "name #2")."""
    found: dict[str, tuple[str, Mapping[str, Any]]] = {}
    for group, role in _GROUPS:
        items = data.get(group)
        for item in items if isinstance(items, list) else []:
            if not isinstance(item, Mapping):
                continue
            key = " ".join(str(item.get("ingredient", "")).casefold().split())
            unique, count = key, 1
            while unique in found:
                count += 1
                unique = f"{key} #{count}"
            found[unique] = (role, item)
    return found


def _name(line: Mapping[str, Any]) -> str:
    return " ".join(str(line.get("ingredient", "(no name)")).split())


def _line_summary(line: Mapping[str, Any]) -> str:
    parts = [_shown(line.get("strength")) or "no strength"]
    parts += [f"{label} {_shown(line[key])}" for key, label in _LINE_KEYS[1:] if line.get(key) is not None]
    return ", ".join(parts)


def _shown(value: Any) -> str | None:
    """A value as the review shows it: text as typed, a list item by item, an object key by key."""
    if value is None:
        return None
    if isinstance(value, Mapping):
        return "; ".join(f"{str(key).replace('_', ' ')} {_shown(item)}" for key, item in value.items() if item is not None)
    if isinstance(value, list):
        return " | ".join(_shown(item) or "" for item in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return " ".join(str(value).split())


def reapplied(seen: dict[str, Any], mine: dict[str, Any], newest: dict[str, Any]) -> dict[str, Any]:
    """``mine`` (edited from version ``seen``) applied on ``newest``: each field and each active
    (by ingredient) I changed from ``seen`` is mine, everything else the newest's. Where both
    changed the same field, mine wins: the person chose to apply their change, having been told
    what the other workstation changed."""
    merged = {key: value for key, value in newest.items() if key != "actives"}
    for key in set(seen) | set(mine):
        if key == "actives" or seen.get(key) == mine.get(key):
            continue
        if key in mine:
            merged[key] = mine[key]
        else:
            merged.pop(key, None)

    def by_name(data: dict[str, Any]) -> dict[str, Any]:
        return {str(a.get("ingredient")): a for a in data.get("actives", []) if isinstance(a, dict)}

    before, after, theirs = by_name(seen), by_name(mine), by_name(newest)
    actives = []
    for name, active in theirs.items():  # the newest's order, with my changes and removals
        if name in before and name not in after:
            continue  # I removed it
        actives.append(after[name] if name in after and after[name] != before.get(name) else active)
    actives += [active for name, active in after.items() if name not in theirs and name not in before]  # I added it
    merged["actives"] = actives
    return merged
