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
from compounder.records.rows import existing

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


def _plain(value: Any) -> str:
    if value is None or value == [] or value == {}:
        return "none"
    if isinstance(value, list):
        return ", ".join(_plain(item) for item in value)
    return str(value)


def _subject(path: str) -> str:
    """``actives[lidocaine].strength`` → "lidocaine strength"; ``directions.times_per_day`` →
    "directions times per day": the words a pharmacist reads, not the file's keys."""
    if "[" in path:
        _, _, rest = path.partition("[")
        ingredient, _, tail = rest.partition("]")
        tail = tail.lstrip(".")
        return f"{ingredient} {tail.replace('_', ' ').replace('.', ' ')}".strip()
    return path.replace("_", " ").replace(".", " ")


def formula_changes(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """Every difference between two formulas, one sentence each, in a stable order."""
    old: dict[str, Any] = {}
    new: dict[str, Any] = {}
    _flatten(before, "", old)
    _flatten(after, "", new)
    changes = []
    for path in sorted(set(old) | set(new)):
        if old.get(path) == new.get(path):
            continue
        subject = _subject(path)
        if old.get(path) == "present" and path not in new:
            changes.append(f"{subject} removed")
        elif new.get(path) == "present" and path not in old:
            changes.append(f"{subject} added" + _added_detail(path, new))
        elif path in old and path in new:
            changes.append(f"{subject}: {_plain(old[path])} → {_plain(new[path])}")
        elif path in new:
            if not any(path.startswith(p + ".") for p, v in new.items() if v == "present" and p not in old):
                changes.append(f"{subject}: none → {_plain(new[path])}")
        elif not any(path.startswith(p + ".") for p, v in old.items() if v == "present" and p not in new):
            changes.append(f"{subject}: {_plain(old[path])} → none")
    return changes


def _added_detail(path: str, flat: dict[str, Any]) -> str:
    """An added ingredient's own settings, so "baclofen added" says at what strength."""
    details = [f"{key[len(path) + 1:].replace('_', ' ')} {_plain(value)}" for key, value in flat.items() if key.startswith(path + ".")]
    return f" ({', '.join(sorted(details))})" if details else ""


@dataclass(frozen=True)
class RefillDiff:
    previous_batch: str
    previous_version: str  # "name, version N"
    changes: tuple[str, ...]  # empty: the same formula


#: Batches the patient may have received. A rejected batch never left the pharmacy and a draft
#: was never made, so neither is what a refill is compared with.
_MADE = ("prepared", "verified", "dispensed")


def refill_changes(session: Session, patient_id: int, rx_number: str, version_id: int, *, made_before: int | None = None) -> RefillDiff | None:
    """Against the patient's latest batch made on this Rx number; None for a first fill.
    ``made_before``: a batch's id, to compare that batch with the ones made before it."""
    previous = session.execute(
        select(Batch.batch_number, Batch.formula_version_id)
        .where(Batch.patient_id == patient_id, Batch.rx_number == rx_number.strip(), Batch.status.in_(_MADE),
               *((Batch.id < made_before,) if made_before is not None else ()))
        .order_by(Batch.compounded_on.desc(), Batch.id.desc())
        .limit(1)
    ).first()
    if previous is None:
        return None
    before = existing(session, MasterFormulaVersion, previous.formula_version_id, "master formula version")
    after = existing(session, MasterFormulaVersion, version_id, "master formula version")
    changes = () if before.id == after.id else tuple(formula_changes(before.data, after.data))
    if before.master_formula_id != after.master_formula_id:
        changes = (f"a different master formula: {before.name} → {after.name}", *changes)
    return RefillDiff(previous.batch_number, f"{before.name}, version {before.version}", changes)
