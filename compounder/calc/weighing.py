"""The name ``compounder.ui`` imports from here until its reorganisation lands; it is defined in
``compounder.calc.balance_grams`` (grams as the balance shows them), which everything else imports."""

from compounder.calc.balance_grams import format_grams

__all__ = ["format_grams"]
