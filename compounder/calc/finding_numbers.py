"""The numbers a finding rests on, and one canonical fingerprint of them, so a pharmacist's
acknowledgement or override is bound to the numbers it accepted, not only to the finding's code.

A finding of one line rests on that line (its strength, mg/g, mg per click and mg a day: what
the patient gets); a finding of the whole preparation on every line. Every finding rests on the
batch quantity and the beyond-use date (days and date), and on the figures its own message names
(58.5 days, 2 %, 400 mg/day, a lot's number or expiry…). Any change to one of them changes the
fingerprint: an acknowledgement made at cyclobenzaprine 2 % is void at 20 %, one made at 58.5
days void at 117 days or at a 10-day beyond-use date (a lot expiring sooner shortens it).

A lot's assay, number and the grams it takes to weigh are how the strength is reached, not what
the patient gets: choosing a lot whose assay moves the target (2.400 g → 2.474 g at 97.0 %)
leaves the strength, the days and the beyond-use date as they were, and a decision on them stands.
(Voiding it would have a pharmacist decide every warning again at every lot chosen: a decision
asked for every day is one made without reading.)

Works on the plan as JSON (``compounder.calc.plan_data.plan_to_json``), the form a batch stores.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from typing import Any

#: The line figures a finding rests on (plan JSON keys): what the patient gets of each line.
LINE_NUMBERS = ("name", "strength", "mg_per_g", "mg_per_click", "mg_per_day")

_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def _line_index(finding: Mapping[str, Any], plan: Mapping[str, Any]) -> int | None:
    """The plan line a finding names (its ``line``: an index into the plan's lines), else None."""
    line = finding.get("line")
    lines = plan.get("lines") or []
    return line if isinstance(line, int) and 0 <= line < len(lines) else None


def finding_numbers(finding: Mapping[str, Any], plan: Mapping[str, Any]) -> dict[str, Any]:
    """The numbers ``finding`` (one of ``plan["findings"]``) rests on, as plain JSON values."""
    lines = plan.get("lines") or []
    index = _line_index(finding, plan)
    chosen = [lines[index]] if index is not None else lines
    bud = plan.get("bud") or {}
    return {
        "code": finding.get("code"),
        "line": finding.get("line"),
        "named": _NUMBER.findall(str(finding.get("message", ""))),
        "batch": (plan.get("batch") or {}).get("quantity"),
        "bud": [bud.get("days"), bud.get("date")],
        "lines": [{key: item.get(key) for key in LINE_NUMBERS if item.get(key) is not None} for item in chosen],
    }


def fingerprint(finding: Mapping[str, Any], plan: Mapping[str, Any]) -> str:
    """A canonical SHA-256 of ``finding_numbers``: equal exactly when the numbers are."""
    canonical = json.dumps(finding_numbers(finding, plan), sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()


def fingerprints(plan: Mapping[str, Any]) -> dict[str, str]:
    """Code → fingerprint of every error and warning of the plan a pharmacist decides on; the
    findings of one code on several lines make one fingerprint (a decision is by code)."""
    found: dict[str, list[str]] = {}
    for finding in plan.get("findings") or []:
        if finding.get("severity") in ("error", "warning"):
            found.setdefault(finding["code"], []).append(fingerprint(finding, plan))
    return {code: prints[0] if len(prints) == 1 else hashlib.sha256("".join(sorted(prints)).encode("ascii")).hexdigest() for code, prints in found.items()}
