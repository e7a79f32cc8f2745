"""A pharmacist's signed reason, asked in the one signing dialog (``ui.common.signing_dialog``) with
a reason field: the weighing station's confirmation by hand (F8), where a container would not scan,
and where the pharmacy's weighing policy asks one, a weight typed where the balance is required or a
lot chosen from the list where the scan is. Whoever the window is signed in as, the signer gives
their own user name and password; the records check the account (active, not locked, a
pharmacist) in the write that stores the reason.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from compounder.ui.common.signing_dialog import Reason, Signature, SigningDialog

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from compounder.ui.common.records_context import RecordsContext


@dataclass(frozen=True)
class Wording:
    """What the dialog says: its meaning, its title, what is signed for and the reason's example."""

    meaning: str
    title: str
    what: str
    placeholder: str


BY_HAND = Wording(
    "hand confirmation", "Confirm the container by hand — pharmacist signs", "the container is confirmed without a scan",
    "Why no scan (e.g. label torn; name and lot read on the container by eye)",
)


def typed_weight(weights: str) -> Wording:
    """A weight typed where the pharmacy requires the balance (``weights``: "3.6 g", or each line's)."""
    return Wording(
        "typed weight", "Typed weight — pharmacist signs", f"{weights} typed, not read from the balance the pharmacy requires",
        "Why no balance reading (e.g. balance out for calibration; read from the backup balance)",
    )


def unscanned_lot() -> Wording:
    """A lot chosen from the list where the pharmacy requires the scan (a confirmation by hand)."""
    return Wording(
        "hand confirmation", "Lot chosen without a scan — pharmacist signs",
        "the lot is chosen from the list, not scanned as the pharmacy requires",
        "Why no scan (e.g. scanner out of order; name and lot read on the container by eye)",
    )


def reason_dialog(
    parent: QWidget | None, context: RecordsContext, line_text: str, wording: Wording, store: Callable[[Signature], object],
) -> SigningDialog:
    """The signing dialog for ``wording`` on ``line_text`` ("Line 2 (lidocaine)"), not shown yet:
    ``store(signature)`` writes it with ``signature.reason``; the caller opens it."""
    subject = (
        f"<b>{line_text}: {wording.what}.</b> A pharmacist signs for it now with their own user name and password; "
        "it is recorded under their name with the reason."
    )
    return SigningDialog(context, wording.meaning, subject, store, parent, reasons=[Reason("&Reason:", wording.placeholder)], title=wording.title)
