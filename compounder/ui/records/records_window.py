"""The "Records" menu of the main window: sign in and out, the first accounts, make a batch, the
lots, the batch history, recall and users. ``install_records_menu`` adds it without the window
knowing about it; each dialog is its own module (sign_in_dialog, lots_dialog, history_dialog,
recall_dialog, users_dialog) and asks ``compounder.records`` through the ``RecordsContext``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QDialog,
    QMainWindow,
    QWidget,
)

from compounder.records.errors import DatabaseFailed
from compounder.records.policy import Actor
from compounder.ui.common.records_context import RecordsContext

if TYPE_CHECKING:  # printing (ReportLab) is imported when first used
    from compounder.ui.common.batch_printing import PrintPdf
from compounder.ui.records.history_dialog import HistoryDialog
from compounder.ui.records.lots_dialog import LotsDialog
from compounder.ui.records.recall_dialog import RecallDialog
from compounder.ui.records.sign_in_dialog import SignInDialog

# ``install_records_menu`` asks only ``people.has_accounts``, which reads the table by name: the
# records' model is loaded when a dialog first needs it, not before the window shows.
if TYPE_CHECKING:
    from compounder.calc.catalog import Catalog
    from compounder.ui.records.batch_dialog import BatchDialog


def install_records_menu(
    window: QMainWindow, context: RecordsContext, make_batch: Callable[[], BatchDialog] | None = None,
    print_document: Callable[[str, str], str] | None = None, edit_profile: Callable[[int], QDialog] | None = None,
    print_pdf: PrintPdf | None = None, catalog: Catalog | None = None,
) -> dict[str, QAction]:
    """Add the "Records" menu before "Help"; return its actions by name (for tests).
    ``make_batch`` builds the batch dialog (it needs the library and the catalog);
    ``print_document(kind, batch_number)`` prints a stored batch's worksheet or label."""
    from compounder.records import people

    menu_bar = window.menuBar()
    help_action = next((a for a in menu_bar.actions() if a.text().replace("&", "") == "Help"), None)
    from PySide6.QtWidgets import QMenu

    menu = QMenu("&Records", window)
    menu_bar.insertMenu(help_action, menu) if help_action is not None else menu_bar.addMenu(menu)
    actions = {
        "sign_in": QAction("&Sign in…", window),
        "sign_out": QAction("Sign &out", window),
        "lots": QAction("Ingredient &lots…", window),
        "history": QAction("Batch &history…", window),
        "recall": QAction("&Recall a lot…", window),
    }
    actions["sign_in"].triggered.connect(lambda _=False: SignInDialog(context, window).exec())
    actions["sign_out"].triggered.connect(lambda _=False: context.sign_out())
    actions["lots"].triggered.connect(lambda _=False: LotsDialog(context, window, print_pdf=print_pdf, catalog=catalog).exec())
    actions["history"].triggered.connect(
        lambda _=False: HistoryDialog(context, window, make_batch=make_batch, print_document=print_document, edit_profile=edit_profile).exec()
    )
    actions["recall"].triggered.connect(lambda _=False: RecallDialog(context, window).exec())
    actions["first_accounts"] = QAction("&Create the first accounts…", window)
    actions["first_accounts"].setToolTip("This database has no account yet: make the administrator and the first pharmacist")

    def _first_accounts() -> None:
        from compounder.ui.records.first_accounts_dialog import FirstAccountsDialog

        if FirstAccountsDialog(context, window).exec():
            actions["first_accounts"].setVisible(False)
            window.statusBar().showMessage("The first accounts are made: Records ▸ Sign in…", 10000)

    actions["first_accounts"].triggered.connect(lambda _=False: _first_accounts())
    try:
        with context.reading() as session:
            empty = not people.has_accounts(session)
    except DatabaseFailed:
        empty = False
    actions["first_accounts"].setVisible(empty)
    if empty:
        window.statusBar().showMessage("No account yet: Records ▸ Create the first accounts… makes the administrator and the first pharmacist", 30000)
    menu.addActions([actions["first_accounts"], actions["sign_in"], actions["sign_out"]])
    menu.addSeparator()
    if make_batch is not None:
        actions["batch"] = QAction("&Make a batch…", window)
        actions["batch"].triggered.connect(lambda _=False: make_batch().exec())
        menu.addAction(actions["batch"])
    menu.addActions([actions["lots"], actions["history"], actions["recall"]])
    menu.addSeparator()
    actions["users"] = QAction("&Users…", window)
    actions["users"].setToolTip("User accounts (administrator)")
    actions["users"].triggered.connect(lambda _=False: _users_dialog(context, window).exec())
    actions["users"].setEnabled(False)
    menu.addAction(actions["users"])
    actions["blind_check"] = QAction("&Blind check at verification…", window)
    actions["blind_check"].setToolTip("Whether a pharmacist types their own figures before the preparer's are shown (administrator)")
    actions["blind_check"].triggered.connect(lambda _=False: _blind_check_dialog(context, window).exec())
    actions["blind_check"].setEnabled(False)
    menu.addAction(actions["blind_check"])

    def _signed(actor: Actor | None) -> None:
        actions["sign_out"].setEnabled(actor is not None)
        actions["users"].setEnabled(actor is not None and actor.role.value == "administrator")
        actions["blind_check"].setEnabled(actor is not None and actor.role.value == "administrator")
        actions["sign_out"].setText(f"Sign &out {actor.username}" if actor else "Sign &out")
        window.statusBar().showMessage(f"Signed in as {actor.username} ({actor.role.value})" if actor else "Signed out", 5000)

    context.signed_in.connect(_signed)
    actions["sign_out"].setEnabled(False)
    return actions


def _users_dialog(context: RecordsContext, parent: QWidget) -> QDialog:
    from compounder.ui.records.users_dialog import UsersDialog

    return UsersDialog(context, parent)


def _blind_check_dialog(context: RecordsContext, parent: QWidget) -> QDialog:
    from compounder.ui.records.blind_check_setting_dialog import BlindCheckSettingDialog

    return BlindCheckSettingDialog(context, parent)
