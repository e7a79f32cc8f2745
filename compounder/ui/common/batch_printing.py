"""Print a stored batch's worksheet or label from the window (the batch dialog and the history
share this): read the frozen documents, show the print preview, and once printed write the
print in the audit trail. Returns what to tell the user; never raises for a refusal.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from compounder.calc.errors import InputError
from compounder.calc.label_stock import LabelStock
from compounder.documents.common import UnprintableText
from compounder.records import printing
from compounder.records.errors import RecordsError
from compounder.settings import PharmacySettings
from compounder.ui.common.records_context import Failed, RecordsContext, problem_text

if TYPE_CHECKING:
    from compounder.printing.deliver import MakeZpl


class PrintPdf(Protocol):
    """Title, PDF and the kind of document ("label", "worksheet", "lot_label") -> True once handed
    to the printer (``Prompts.print_pdf``: the printer chosen for the kind, or the print dialog)."""

    def __call__(self, title: str, pdf: bytes, kind: str | None = None, zpl: MakeZpl | None = None, /, *, choose: bool = False) -> bool: ...



class StoredBatchPrinter:
    def __init__(
        self, context: RecordsContext, pharmacy: Callable[[], PharmacySettings | None], print_pdf: PrintPdf,
        label_position: Callable[[LabelStock], int | None] = lambda _stock: 1,
    ) -> None:
        self._context = context
        self._pharmacy = pharmacy
        self._print_pdf = print_pdf
        self._label_position = label_position

    def print(self, kind: str, batch_number: str, *, choose: bool = False) -> str:
        """Print ``"worksheet"`` or ``"label"`` of the batch, on the pharmacy's printer for it or
        (``choose``) in the print dialog; the message for the user ("" when printed, or what was
        not printed and why)."""
        from compounder.documents.batch import label_stock
        from compounder.documents.label import LabelOverflow
        from compounder.documents.stored import stored_label_pdf, stored_worksheet_pdf

        actor = self._context.actor
        if actor is None:
            return f"sign in (Records ▸ Sign in) to print the {kind}"
        pharmacy = self._pharmacy()
        if pharmacy is None:
            return f"the {kind} prints the pharmacy's name, address and licence: enter them under File ▸ Pharmacy settings… first"
        now = self._context.clock()
        stock = label_stock(pharmacy)
        position = 1 if kind == "worksheet" else self._label_position(stock)
        if position is None:
            return f"the {kind} was not printed"
        try:
            zpl: MakeZpl | None = None
            with self._context.reading() as session:
                if kind == "worksheet":
                    pdf = stored_worksheet_pdf(printing.worksheet_to_print(session, actor, batch_number, now), pharmacy)
                else:
                    content = printing.label_to_print(session, actor, batch_number, now)
                    pdf = stored_label_pdf(content, pharmacy, stock, position)

                    def zpl(dpi: int) -> bytes:  # made only for a Zebra chosen for labels, at its printhead's dpi
                        from compounder.documents.zpl import label_zpl

                        return label_zpl(content, pharmacy, stock, dpi)
        except RecordsError as error:
            return problem_text(error)
        except (InputError, UnprintableText, LabelOverflow) as error:
            return f"{error.field}: {error.message}"
        if not self._print_pdf(f"{kind.capitalize()} {batch_number}", pdf, kind, zpl, choose=choose):
            return f"the {kind} was not printed"
        what = printing.PRINT_WORKSHEET if kind == "worksheet" else printing.PRINT_LABEL
        recorded = self._context.run(lambda session: printing.record_print(session, actor, batch_number, what, now))
        if isinstance(recorded, Failed):
            return f"printed, but the print could not be recorded: {recorded.text}"
        return ""
