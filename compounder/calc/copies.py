"""Essentially a copy of a commercially available product (FD&C Act section 503A(b)(1)(D); FDA's
January 2018 guidance): a formula with the same actives at the same strengths as a product on
file is compounded only where the prescriber has determined a difference that matters for this
patient. That is an error a pharmacist overrides in the records, the prescriber's documented
clinical difference being the reason, so it is kept with the batch and printed on its worksheet.

Where the actives are the same but a strength differs, the guidance's "similar strength" is not
quantified in the reference data: the finding reports it for the pharmacist to judge.
"""

from __future__ import annotations

from collections.abc import Iterator

from compounder.calc.catalog import Catalog
from compounder.calc.model import BatchPlan, CommercialProduct, Finding, Severity
from compounder.calc.moiety import moieties, total_fraction
from compounder.calc.units import ONE, format_quantity, magnitude_in

# Strengths are the same when they agree to 0.5 % of the product's strength: a formula written
# "1.0 %" or converted from another salt by molecular weights (rounded to four figures) is the
# same strength, and any difference a prescriber would write is larger.
SAME_STRENGTH = 0.005


def essentially_a_copy(plan: BatchPlan, catalog: Catalog, prescribed: bool = True) -> Iterator[Finding]:
    """Findings for each product on file the plan's actives match. For a preparation made for a
    patient (``prescribed``) a copy is an error to override; a master formula not yet prescribed
    gets an information finding saying each batch will need the prescriber's documented difference."""
    groups = {group.substance.name: group for group in moieties(plan.lines, catalog)}
    if not groups:
        return
    for product in catalog.commercial_products:
        substances = {catalog.form(form, "commercial product").substance: (form, strength) for form, strength in product.actives}
        if set(substances) != set(groups):
            continue
        differences = []
        for name, (form, strength) in substances.items():
            value = total_fraction(groups[name], form, catalog)
            target = magnitude_in(strength, ONE)
            if value is None or abs(value - target) > target * SAME_STRENGTH:
                shown = "not comparable" if value is None else f"{value * 100:.4g} %"
                differences.append(f"{form} {shown} against {format_quantity(strength.to('percent'))}")
        yield _finding(product, differences, min(group.first for group in groups.values()), prescribed)


def _finding(product: CommercialProduct, differences: list[str], line: int, prescribed: bool) -> Finding:
    cite = f" ({product.source.cite()})" if product.source else ""
    if not differences and not prescribed:
        return Finding(
            Severity.INFO,
            "COPY_OF_COMMERCIAL_PRODUCT",
            f"the same actives at the same strengths as {product.name}, a commercially available product{cite}: each batch "
            "for a patient needs the prescriber's documented clinical difference (section 503A), overridden in the records",
            line=line,
        )
    if differences:
        return Finding(
            Severity.INFO,
            "SAME_ACTIVES_AS_PRODUCT",
            f"the same actives as {product.name}{cite}, at another strength ({'; '.join(differences)}); whether that is a "
            "similar strength, and so essentially a copy (section 503A), is the pharmacist's judgement: no figure is on file",
            line=line,
        )
    return Finding(
        Severity.ERROR,
        "ESSENTIALLY_A_COPY",
        f"the same actives at the same strengths as {product.name}, a commercially available product{cite}: under section "
        "503A it is compounded only where the prescriber has determined a significant clinical difference for this patient; "
        "a pharmacist overrides this in the records with that documented difference as the reason, kept with the batch",
        line=line,
        patient=True,
    )
