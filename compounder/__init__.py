"""Compounder: a formulation calculator for compounding pharmacists."""

__version__ = "0.1.0"
