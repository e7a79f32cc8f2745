"""The shipped reference data, installed as the package ``compounder.refdata``."""
