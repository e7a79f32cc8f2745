"""Quality-control results of a batch judged against what the master formula asks (USP <795>,
2023: the compounding record holds the results of the quality-control procedures): the final
weight against the theoretical with the yield, the appearance, the pH where a range is given.

The final weight's accepted range is the batch's weighing tolerance around the theoretical
weight (the weight the worksheet's "Final weight" check prints); the yield is the actual weight
as a share of the theoretical, to one decimal of a percent (half up).

Pure: no Qt, no SQLAlchemy.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from compounder.calc.master_record import PhRange

CHECK_WORDS = {"final_weight": "final weight", "appearance": "appearance", "ph": "pH"}
_TENTH = Decimal("0.1")
_HUNDRED = Decimal(100)


@dataclass(frozen=True)
class FinalWeight:
    """The finished preparation weighed, against the theoretical weight (grams). With no
    tolerance on record (``tolerance_percent`` None) the person weighing judges it against the
    pharmacy's SOP (``judged``): the program does not make a range up."""

    theoretical: Decimal
    actual: Decimal
    tolerance_percent: Decimal | None
    judged: bool | None = None

    @property
    def yield_percent(self) -> Decimal:
        """actual ÷ theoretical × 100, to 0.1 % (half up)."""
        return (self.actual / self.theoretical * _HUNDRED).quantize(_TENTH, rounding=ROUND_HALF_UP)

    @property
    def difference(self) -> Decimal:
        """actual − theoretical, grams (negative: less than the theoretical)."""
        return self.actual - self.theoretical

    @property
    def low(self) -> Decimal | None:
        return None if self.tolerance_percent is None else self.theoretical * (_HUNDRED - self.tolerance_percent) / _HUNDRED

    @property
    def high(self) -> Decimal | None:
        return None if self.tolerance_percent is None else self.theoretical * (_HUNDRED + self.tolerance_percent) / _HUNDRED

    @property
    def passed(self) -> bool:
        if self.low is None or self.high is None:
            return bool(self.judged)
        return self.low <= self.actual <= self.high

    def text(self) -> str:
        verdict = "within" if self.passed else "OUTSIDE"
        start = (f"{self.actual.normalize():f} g of {self.theoretical.normalize():f} g theoretical "
                 f"({self.difference.normalize():+f} g), yield {self.yield_percent:f} %; {verdict} ")
        if self.low is None or self.high is None or self.tolerance_percent is None:
            return start + "the SOP's range (judged when entered: no final-weight tolerance in the pharmacy settings)"
        return start + f"{_g(self.low)} to {_g(self.high)} g (± {self.tolerance_percent.normalize():f} %)"


def final_weight(theoretical: Decimal, actual: Decimal, tolerance_percent: Decimal | None, judged: bool | None = None) -> FinalWeight:
    """The final-weight result; ``actual`` must be a weight above zero. Without a tolerance,
    ``judged`` (whether it is within the SOP's range, as the person weighing says) is needed."""
    if theoretical <= 0:
        raise ValueError("the theoretical weight must be above zero")
    if tolerance_percent is None and judged is None:
        raise ValueError("no final-weight tolerance on record: say whether the weight is within the SOP's range")
    return FinalWeight(theoretical, actual, tolerance_percent, judged)


def ph_text(ph: Decimal, accepted: PhRange) -> str:
    verdict = "within" if accepted.holds(ph) else "OUTSIDE"
    return f"pH {ph:f}; {verdict} {accepted.text()}"


def _g(grams: Decimal) -> str:
    return f"{grams.quantize(Decimal('0.001'), rounding=ROUND_HALF_UP):f}"
