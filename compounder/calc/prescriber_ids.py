"""A prescriber's identifiers as a prescription gives them, checked before they are stored.

- NPI (National Provider Identifier): ten digits, the last a check digit computed with the Luhn
  formula over the prefix 80840 and the first nine digits. CMS, "Requirements for National
  Provider Identifier (NPI) and NPI Enumeration — NPI check digit" (the NPI Final Rule, 45 CFR
  162.406), https://www.cms.gov/Regulations-and-Guidance/Administrative-Simplification/NationalProvIdentStand/Downloads/NPIcheckdigit.pdf:
  its worked example is 123456789 → check digit 3 (NPI 1234567893). The prefix adds a constant 24
  to the Luhn sum of the nine digits.
- DEA registration number: two letters and seven digits; the seventh digit is the last digit of
  (1st + 3rd + 5th digits) + 2 × (2nd + 4th + 6th digits). The DEA does not publish the formula
  itself; it is the one pharmacy references teach (e.g. takerx.com/verify.html, worked example
  AP5836727: 5 + 3 + 7 = 15, 2 × (8 + 6 + 2) = 32, 15 + 32 = 47 → 7). A number that passes can
  still be one the DEA never issued: the check catches a mistyped digit, not a forged number.
"""

from __future__ import annotations

import re

from compounder.calc.errors import InputError

_NPI = re.compile(r"\d{10}")
_DEA = re.compile(r"[A-Z][A-Z9]\d{7}")
#: The Luhn contribution of the NPI's card-issuer prefix 80840 (CMS: "add the constant 24").
_NPI_PREFIX_SUM = 24


def npi_check_digit(first_nine: str) -> int:
    """The check digit of the NPI that starts with these nine digits (CMS's Luhn formula)."""
    total = _NPI_PREFIX_SUM
    for index, char in enumerate(reversed(first_nine)):
        digit = int(char)
        if index % 2 == 0:  # from the right, every other digit is doubled, starting with the rightmost
            digit *= 2
            digit = digit - 9 if digit > 9 else digit
        total += digit
    return (10 - total % 10) % 10


def parse_npi(text: str, field: str = "NPI") -> str:
    """The NPI as ten digits (spaces and dashes taken out), or ``InputError`` saying why not."""
    npi = re.sub(r"[\s-]", "", text)
    if not _NPI.fullmatch(npi):
        raise InputError(field, f"{text!r}: an NPI is 10 digits, e.g. 1234567893")
    if npi_check_digit(npi[:9]) != int(npi[9]):
        raise InputError(field, f"{text!r}: the check digit does not match (CMS Luhn check: it would end in {npi_check_digit(npi[:9])}); a digit was mistyped")
    return npi


def dea_check_digit(first_six: str) -> int:
    """The check digit of the DEA number whose first six digits these are."""
    digits = [int(char) for char in first_six]
    return (digits[0] + digits[2] + digits[4] + 2 * (digits[1] + digits[3] + digits[5])) % 10


def parse_dea(text: str, field: str = "DEA number") -> str:
    """The DEA number in capitals (spaces taken out), or ``InputError`` saying why not."""
    dea = re.sub(r"\s", "", text).upper()
    if not _DEA.fullmatch(dea):
        raise InputError(field, f"{text!r}: a DEA number is two letters and seven digits, e.g. AP5836727")
    if dea_check_digit(dea[2:8]) != int(dea[8]):
        raise InputError(field, f"{text!r}: the check digit does not match (it would end in {dea_check_digit(dea[2:8])}); a digit was mistyped")
    return dea
