"""From a formula to what to weigh: salt form, potency and excess corrections, base to weight,
doses per gram, click and day.

Each line keeps a trail of the steps that reached its grams, in the words a pharmacist checks
a calculation in.
"""

from __future__ import annotations

from compounder.calc.aliquot import planned_aliquot
from compounder.calc.catalog import Catalog
from compounder.calc.errors import InputError
from compounder.calc.model import (
    BatchPlan,
    Density,
    Directions,
    Doses,
    Form,
    Formula,
    FormulaLine,
    PlanLine,
    TrailStep,
)
from compounder.calc.units import (
    DIMENSIONLESS,
    G_PER_ML,
    MASS,
    MASS_PER_VOLUME,
    MG,
    MG_PER_DAY,
    MG_PER_G,
    MG_PER_ML,
    ML,
    ONE,
    PERCENT,
    Q_,
    VOLUME,
    Quantity,
    format_quantity,
    magnitude_in,
    ureg,
)

GRAM = ureg.gram


def product_density(formula: Formula, catalog: Catalog) -> tuple[Quantity | None, str | None]:
    """The finished product's density: as given in the formula, else the base's where known."""
    if formula.density is not None:
        return formula.density.to(G_PER_ML), "given in the formula"
    base = catalog.base(formula.base)
    if base.density is not None:
        return base.density.value.to(G_PER_ML), f"density of {base.name}"
    return None, None


def labelled_mass(formula: Formula, density: Quantity | None) -> Quantity:
    """The labelled batch quantity as a mass; a volume needs the product's density."""
    quantity = formula.quantity
    if quantity.dimensionality == MASS:
        return quantity.to(GRAM)
    if density is None:
        raise InputError(
            "batch",
            f"a batch of {format_quantity(quantity)} is a volume and the product's density is unknown; "
            'give "density" (e.g. "1.02 g/mL") or the batch as a mass (e.g. "120 g")',
        )
    return (quantity * density).to(GRAM)


def compute(formula: Formula, catalog: Catalog) -> BatchPlan:
    """Work out every line of the batch. Raises ``InputError`` for input that cannot be used.

    Findings and the beyond-use date are added by ``compounder.calc.evaluate``; this function
    only does arithmetic.
    """
    base = catalog.base(formula.base)
    balance = catalog.balance(formula.balance)
    density, density_source = product_density(formula, catalog)
    labelled = labelled_mass(formula, density)
    excess = formula.excess if formula.excess is not None else Q_(0, PERCENT)
    factor = 1 + magnitude_in(excess, ONE)
    prepared = labelled * factor

    minimum = balance.minimum_weighable.value
    lines = [
        _plan_line(formula, where, line, catalog, labelled, prepared, factor, density, minimum)
        for where, line in zip(formula.fields(), formula.lines, strict=True)
    ]
    # Sums of magnitudes in grams: the same additions pint would make, without its ~20 µs a step.
    weighed = Q_(sum((magnitude_in(line.grams, GRAM) for line in lines), 0.0), GRAM)
    carried = Q_(sum((magnitude_in(line.aliquot.carried, GRAM) for line in lines if line.aliquot is not None), 0.0), GRAM)
    base_grams = prepared - weighed - carried
    base_trail = [TrailStep(_batch_text(labelled, excess, prepared), prepared)]
    if lines:
        text = f"{_g(prepared)} − {_g(weighed)} weighed in the other lines"
        if carried.magnitude:
            text += f" − {_g(carried)} {base.name} carried in the aliquot portions"
        base_trail.append(TrailStep(f"{text} = {_g(base_grams)} {base.name} (q.s.)", base_grams))
    base_line = PlanLine(
        role="base",
        name=base.name,
        grams=base_grams,
        trail=tuple(base_trail),
        lot=formula.base_lot,
        expires=formula.base_expires,
        field="base",
    )
    return BatchPlan(
        formula=formula,
        labelled=labelled,
        prepared=prepared,
        density=density,
        density_source=density_source,
        lines=(*lines, base_line),
        balance=balance,
    )


def _plan_line(
    formula: Formula,
    where: str,
    line: FormulaLine,
    catalog: Catalog,
    labelled: Quantity,
    prepared: Quantity,
    factor: float,
    density: Quantity | None,
    minimum: Quantity,
) -> PlanLine:
    written = catalog.form(line.ingredient, f"{where}.ingredient")
    stock = catalog.form(line.stock, f"{where}.stock") if line.stock else written
    if written.role != line.role:
        group = "actives" if written.role == "active" else "excipients"
        raise InputError(f"{where}.ingredient", f'"{written.name}" is an {written.role}; list it under "{group}"')
    if stock.substance != written.substance:
        offered = ", ".join(f.name for f in catalog.forms_of(written.substance))
        raise InputError(
            f"{where}.stock",
            f'"{stock.name}" is not a form of {written.substance}; forms on file: {offered}',
        )

    if line.basis is not None and catalog.form(line.basis, f"{where}.basis").name != written.name:
        meant = catalog.form(line.basis, f"{where}.basis")
        raise InputError(
            f"{where}.basis",
            f'"{meant.name}" is not the form the strength is written as ({written.name}); to mean {meant.name}, write it as '
            f'the ingredient; "basis" confirms that the strength is meant as the ingredient written',
        )

    trail: list[TrailStep] = []
    amount, fraction = _moiety_amount(line, written, where, labelled, prepared, factor, density, trail)

    salt_factor = 1.0
    grams = amount
    if stock.name != written.name:
        salt_factor = _salt_factor(written, stock, where)
        grams = Q_(magnitude_in(amount, GRAM) * salt_factor, GRAM)
        trail.append(
            TrailStep(
                f"× {_mw(stock)}/{_mw(written)} ({stock.name} for {written.name}) = {_g(grams)}",
                grams,
            )
        )
    if line.potency is not None:
        potency = magnitude_in(line.potency, ONE)
        grams = Q_(magnitude_in(grams, GRAM) / potency, GRAM)
        trail.append(TrailStep(f"÷ {format_quantity(line.potency.to(PERCENT))} potency = {_g(grams)}", grams))

    grams = grams if grams._units == GRAM._units else grams.to(GRAM)  # noqa: SLF001 - as magnitude_in compares
    return PlanLine(
        role=line.role,
        name=stock.name,
        grams=grams,
        aliquot=planned_aliquot(grams, minimum),
        written_as=written.name,
        substance=written.substance,
        strength=line.strength,
        strength_fraction=fraction,
        salt_factor=salt_factor,
        potency=line.potency,
        lot=line.lot,
        expires=line.expires,
        manufacturer=line.manufacturer,
        trail=tuple(trail),
        doses=_doses(fraction, density, formula.directions) if line.role == "active" else None,
        field=where,
        basis=written.name if line.basis is not None else None,
    )


def _moiety_amount(
    line: FormulaLine,
    written: Form,
    where: str,
    labelled: Quantity,
    prepared: Quantity,
    factor: float,
    density: Quantity | None,
    trail: list[TrailStep],
) -> tuple[Quantity, Quantity]:
    """Grams of the written form in the prepared batch, and its w/w fraction of the product."""
    strength = line.strength
    dims = strength.dimensionality
    shown = format_quantity(strength)
    if dims == DIMENSIONLESS:
        # Magnitudes in fixed units, wrapped back into quantities (pint arithmetic is ~20 µs a step).
        fraction = Q_(magnitude_in(strength, ONE), ONE)
        amount = Q_(magnitude_in(prepared, GRAM) * fraction.magnitude, GRAM)
        trail.append(TrailStep(f"{_g(prepared)} × {shown} = {_g(amount)} {written.name}", amount))
        return amount, fraction
    if dims == MASS_PER_VOLUME:
        if density is None:
            raise InputError(
                f"{where}.strength",
                f"{shown} is per volume of product and the product's density is unknown; "
                'give "density" (e.g. "1.02 g/mL") or write the strength as % or mg/g',
            )
        fraction = (strength / density).to(ONE)
        volume = (prepared / density).to(ML)
        amount = (volume * strength).to(GRAM)
        trail.append(
            TrailStep(
                f"{_g(prepared)} ÷ {format_quantity(density, 4)} = {format_quantity(volume, 2)}; × {shown} = {_g(amount)} {written.name}",
                amount,
            )
        )
        return amount, fraction
    if dims == MASS:
        amount = (strength * factor).to(GRAM)
        text = f"{shown} in {_g(labelled)}"
        if factor != 1:
            text += f" × {factor:g} for the excess"
        trail.append(TrailStep(f"{text} = {_g(amount)} {written.name}", amount))
        return amount, (strength / labelled).to(ONE)
    if dims == VOLUME:
        ingredient_density, density_text = _ingredient_density(written, where)
        mass = (strength * ingredient_density).to(GRAM)
        amount = mass * factor
        text = f"{shown} × {density_text} = {_g(mass)}"
        if factor != 1:
            text += f"; × {factor:g} for the excess = {_g(amount)}"
        trail.append(TrailStep(f"{text} {written.name}", amount))
        return amount, (mass / labelled).to(ONE)
    raise InputError(f"{where}.strength", f"{shown} is not a strength; write %, mg/g, mg/mL, g or mL")


# A density known only as a range is used at its midpoint when the range is this narrow (the
# pharmacopoeial specific-gravity ranges of propylene glycol and glycerin are about ±0.4 %,
# well inside weighing tolerance); a wider one (mineral oil, ±3.5 %) is refused.
NARROW_DENSITY_RANGE = 0.01


def ingredient_density(form: Form) -> tuple[Quantity, str] | None:
    """The density to turn a volume of ``form`` into grams, with how it was chosen."""
    density: Density | None = form.density
    if density is None:
        return None
    if density.value is not None:
        return density.value.to(G_PER_ML), format_quantity(density.value, 4)
    if density.low is not None and density.high is not None:
        mid = ((density.low + density.high) / 2).to(G_PER_ML)
        if (density.high - density.low).to(G_PER_ML) / 2 <= mid * NARROW_DENSITY_RANGE:
            return mid, f"{format_quantity(mid, 4)} (midpoint of {density.describe()})"
    return None


def _ingredient_density(form: Form, where: str) -> tuple[Quantity, str]:
    found = ingredient_density(form)
    if found is not None:
        return found
    density = form.density
    if density is not None and density.low is not None:
        known = f"known only as the range {density.describe()}, too wide to weigh by"
    else:
        known = f"a {form.physical_form} with no density on file"
    raise InputError(
        f"{where}.strength",
        f"a volume of {form.name} cannot be turned into grams: it is {known}; write the strength as %, mg/g or g",
    )


def _salt_factor(written: Form, stock: Form, where: str) -> float:
    for form, field in ((written, "ingredient"), (stock, "stock")):
        if form.molecular_weight is None:
            raise InputError(
                f"{where}.{field}",
                f"the molecular weight of {form.name} is not on file, so {written.name} cannot be converted to {stock.name}; "
                "weigh the form the strength is written as",
            )
    assert stock.molecular_weight is not None and written.molecular_weight is not None, "refused above when missing"
    ratio = stock.molecular_weight.value / written.molecular_weight.value
    return float(magnitude_in(ratio, ONE))


_ML_PER_CLICK = magnitude_in(ureg.Quantity(1, ureg.click), ML)


def _doses(fraction: Quantity, density: Quantity | None, directions: Directions | None) -> Doses:
    """Doses of the written form. Worked on magnitudes in fixed units (mg/g, g/mL, g), which
    are wrapped back into quantities: pint arithmetic costs ~20 µs an operation."""
    mg_per_g = magnitude_in(fraction, ONE) * 1000
    g_per_ml = magnitude_in(density, G_PER_ML) if density is not None else None
    per_ml = Q_(mg_per_g * g_per_ml, MG_PER_ML) if g_per_ml is not None else None
    per_click = Q_(mg_per_g * g_per_ml * _ML_PER_CLICK, MG) if g_per_ml is not None else None
    per_day = None
    if directions is not None:
        grams_per_application = application_grams(directions.amount, density)
        if grams_per_application is not None:
            per_day = Q_(mg_per_g * magnitude_in(grams_per_application, GRAM) * directions.times_per_day, MG_PER_DAY)
    return Doses(per_gram=Q_(mg_per_g, MG_PER_G), per_ml=per_ml, per_click=per_click, per_day=per_day)


def application_grams(amount: Quantity, density: Quantity | None) -> Quantity | None:
    """One application as grams of product; a volume or clicks needs the product's density."""
    if amount.dimensionality == MASS:
        return amount.to(GRAM)
    if density is None:
        return None
    return (amount * density).to(GRAM)


def _batch_text(labelled: Quantity, excess: Quantity, prepared: Quantity) -> str:
    if excess.magnitude == 0:
        return f"batch {_g(labelled)}"
    return f"batch {_g(labelled)} + {format_quantity(excess.to(PERCENT))} excess = {_g(prepared)} prepared"


def _g(quantity: Quantity) -> str:
    return f"{magnitude_in(quantity, GRAM):.3f} g"


def _mw(form: Form) -> str:
    if form.molecular_weight is None:  # _salt_factor refuses a form without one before this is called
        raise ValueError(f"the molecular weight of {form.name} is not on file")
    return f"{form.molecular_weight.value.to('g/mol').magnitude:.2f}"
