"""The label stocks, for ``compounder.ui``, which imports them from here until its reorganisation
lands; everything else imports ``compounder.calc.label_stock``, where they are defined."""

from compounder.calc.label_stock import DEFAULT_LABEL_STOCK, LABEL_STOCKS, LabelStock

__all__ = ["DEFAULT_LABEL_STOCK", "LABEL_STOCKS", "LabelStock"]
