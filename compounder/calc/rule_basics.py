"""What every check of a computed batch shares: the severities, the slack for comparing a value
with a limit, a strength as a percent, a source cited, and the finding for a limit that cannot be
compared. The checks themselves: ``strength_rules`` (each drug's strength) and ``rules`` (the
batch as a whole, and ``check``, which runs them all)."""

from __future__ import annotations

from compounder.calc.model import Finding, Severity, Source
from compounder.calc.units import ONE, PERCENT, Q_, Quantity, format_quantity

ERROR, WARNING, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO

# Relative slack for comparing a computed value with a limit, so that 11 % written against an
# 11 % maximum is not reported over it through floating-point noise.
SLACK = 1e-9


def pct(fraction: Quantity | float) -> str:
    if not isinstance(fraction, Quantity):
        fraction = Q_(fraction, ONE)
    return format_quantity(fraction.to(PERCENT), 3)


def cite(source: Source | None) -> str:
    return f" ({source.cite()})" if source else " (no source on file)"


def unconvertible(index: int, written: str, as_form: str, what: str) -> Finding:
    return Finding(
        INFO,
        "LIMIT_NOT_COMPARABLE",
        f"the {what} is written as {as_form} and a molecular weight needed to compare {written} with it is not on file",
        line=index,
    )
