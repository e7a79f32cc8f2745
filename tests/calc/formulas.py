"""Formula-file data used across the tests, built the way a pharmacist writes it."""

from __future__ import annotations

from typing import Any


def formula(*actives: dict[str, Any], batch: str = "120 g", base: str = "Lipoderm", **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"batch": batch, "base": base, "compounded_on": "2026-11-23", "actives": list(actives)}
    data.update(extra)
    return data


def active(ingredient: str, strength: str, **extra: Any) -> dict[str, Any]:
    return {"ingredient": ingredient, "strength": strength, **extra}
