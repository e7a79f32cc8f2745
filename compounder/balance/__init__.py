"""Balances on a serial (or USB-serial) port: one small driver interface over MT-SICS
(Mettler Toledo), Sartorius SBI and Ohaus, with timeouts so that nothing waits forever.

Only ``compounder.calc.balance_reading`` decides what a reading may be used for; the drivers
just say what the balance answered."""

from compounder.balance.driver import BalanceDriver, SerialBalance, open_balance
from compounder.balance.protocols import PROTOCOLS, Protocol

__all__ = ["PROTOCOLS", "BalanceDriver", "Protocol", "SerialBalance", "open_balance"]
