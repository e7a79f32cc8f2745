"""The formulation engine: quantities, formulas, rules and beyond-use dates.

Pure Python on pint: it imports neither Qt nor SQLAlchemy, so it is tested on its own and every
front end (window, PDFs, command line, records) shows the numbers it computes.
"""

from compounder.calc.assess import Assessment, FieldPath, assess, input_errors, role_of, split_field
from compounder.calc.catalog import Catalog
from compounder.calc.compute import compute
from compounder.calc.daily import DailyDose, daily_doses
from compounder.calc.errors import InputError
from compounder.calc.evaluate import evaluate
from compounder.calc.formula_file import formula_to_data, parse_formula
from compounder.calc.model import (
    Balance,
    Base,
    BatchPlan,
    BeyondUseDate,
    BudCategory,
    Caution,
    CommercialProduct,
    ControlledLimit,
    Density,
    Directions,
    Doses,
    Finding,
    Form,
    Formula,
    FormulaLine,
    Limit,
    PlanLine,
    ScreeningClass,
    ScreeningRule,
    ScreeningTerm,
    Severity,
    Source,
    Sourced,
    StrengthRange,
    Substance,
    TrailStep,
)
from compounder.calc.units import Q_, format_quantity, parse_quantity, ureg

__all__ = [
    "Assessment", "DailyDose", "FieldPath", "assess", "daily_doses", "input_errors", "role_of", "split_field",
    "Balance", "Base", "BatchPlan", "BeyondUseDate", "BudCategory", "Catalog", "Caution", "CommercialProduct", "ControlledLimit", "Density",
    "Directions", "Doses", "Finding", "Form", "Formula", "FormulaLine", "InputError", "Limit", "PlanLine",
    "Q_", "ScreeningClass", "ScreeningRule", "ScreeningTerm", "Severity", "Source", "Sourced", "StrengthRange", "Substance", "TrailStep", "compute", "evaluate",
    "format_quantity", "formula_to_data", "parse_formula", "parse_quantity", "ureg",
]
