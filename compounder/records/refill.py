"""What changed in the formula since a patient's last batch on the same prescription, so a refill
is never silently made to a different formula.

``formula_changes`` is pure (two formula-file dicts in, sentences out); ``refill_changes`` finds
the previous batch and compares its formula version with the one about to be used.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from compounder.records.model import Batch, MasterFormulaVersion

_IGNORED = frozenset({"name"})  # renaming a formula does not change what is weighed


def _flatten(value: Any, path: str, into: dict[str, Any]) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if not path and key in _IGNORED:
                continue
            _flatten(item, f"{path}.{key}" if path else key, into)
    elif isinstance(value, list) and all(isinstance(item, dict) and "ingredient" in item for item in value):
        for item in value:
            rest = {k: v for k, v in item.items() if k != "ingredient"}
            into[f"{path}[{item['ingredient']}]"] = "present"
            _flatten(rest, f"{path}[{item['ingredient']}]", into)
    else:
        into[path] = value


def formula_changes(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """Every difference between two formulas, one sentence each, in a stable order."""
    old, new = {}, {}
    _flatten(before, "", old)
    _flatten(after, "", new)
    changes = []
    for path in sorted(set(old) | set(new)):
        if old.get(path) == new.get(path):
            continue
        if old.get(path) == "present" and path not in new:
            changes.append(f"{path}: removed")
        elif new.get(path) == "present" and path not in old:
            changes.append(f"{path}: added")
        elif path in old and path in new:
            changes.append(f"{path}: {old[path]!r} → {new[path]!r}")
        elif path in new:
            if not any(path.startswith(p + ".") for p, v in new.items() if v == "present" and p not in old):
                changes.append(f"{path}: {new[path]!r} (new)")
        elif not any(path.startswith(p + ".") for p, v in old.items() if v == "present" and p not in new):
            changes.append(f"{path}: {old[path]!r} (dropped)")
    return changes


@dataclass(frozen=True)
class RefillDiff:
    previous_batch: str
    previous_version: str  # "name, version N"
    changes: tuple[str, ...]  # empty: the same formula


def refill_changes(session: Session, patient_id: int, rx_number: str, version_id: int) -> RefillDiff | None:
    """Against the patient's latest batch on this Rx number; None for a first fill."""
    previous = session.execute(
        select(Batch.batch_number, Batch.formula_version_id)
        .where(Batch.patient_id == patient_id, Batch.rx_number == rx_number.strip())
        .order_by(Batch.compounded_on.desc(), Batch.id.desc())
        .limit(1)
    ).first()
    if previous is None:
        return None
    before = session.get(MasterFormulaVersion, previous.formula_version_id)
    after = session.get(MasterFormulaVersion, version_id)
    changes = () if before.id == after.id else tuple(formula_changes(before.data, after.data))
    if before.master_formula_id != after.master_formula_id:
        changes = (f"a different master formula: {before.name} → {after.name}", *changes)
    return RefillDiff(previous.batch_number, f"{before.name}, version {before.version}", changes)
