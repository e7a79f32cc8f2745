"""The "Records" menu of the main window: sign in and out, the first accounts, make a batch, the
lots, the batch history, recall and users. ``install_records_menu`` adds it without the window
knowing about it; each dialog is its own module (sign_in_dialog, lots_dialog, history_dialog,
recall_dialog, users_dialog) and asks ``compounder.records`` through the ``RecordsContext``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMainWindow, QWidget

from compounder.records.errors import DatabaseFailed
from compounder.records.policy import Actor
from compounder.ui.common.records_context import RecordsContext
from compounder.ui.common.view_sizing import ColumnWidthStore

if TYPE_CHECKING:  # printing (ReportLab) is imported when first used
    from compounder.ui.common.batch_printing import PrintPdf

# ``install_records_menu`` asks only ``people.has_accounts``, which reads the table by name: the
# records' model is loaded when a dialog first needs it, not before the window shows.
if TYPE_CHECKING:  # QDialog in hints only: its class is set up when a first dialog opens
    from PySide6.QtWidgets import QDialog

    from compounder.calc.catalog import Catalog
    from compounder.ui.records.batch_dialog import BatchDialog


def install_records_menu(
    window: QMainWindow, context: RecordsContext, make_batch: Callable[[], BatchDialog] | None = None,
    print_document: Callable[[str, str], str] | None = None, edit_profile: Callable[[int], QDialog] | None = None,
    print_pdf: PrintPdf | None = None, catalog: Catalog | None = None, widths: ColumnWidthStore | None = None,
    pharmacy: Callable[[], Any] | None = None, first_settings: Callable[[], bool] | None = None,
) -> dict[str, QAction]:
    """Add the "Records" menu before "Help"; return its actions by name (for tests).
    ``first_settings`` runs after the first accounts are made, the administrator signed in: it
    opens the pharmacy settings when there are none yet and says whether the pharmacy has them
    now (then the sign-in opens for the first pharmacist).
    ``make_batch`` builds the batch dialog (it needs the library and the catalog);
    ``print_document(kind, batch_number)`` prints a stored batch's worksheet or label;
    ``widths`` keeps each list's column widths as the user leaves them (the window's settings)."""
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
    # Each dialog's module (and the Qt classes only it uses) is imported when it is first opened,
    # not before the window shows.

    def _sign_in() -> None:
        from compounder.ui.records.sign_in_dialog import SignInDialog

        SignInDialog(context, window).exec()

    def _lots() -> None:
        from compounder.ui.records.lots_dialog import LotsDialog

        _open(LotsDialog(context, window, print_pdf=print_pdf, catalog=catalog, widths=widths))

    def _history() -> None:
        from compounder.ui.records.history_dialog import HistoryDialog

        _open(HistoryDialog(
            context, window, make_batch=make_batch, print_document=print_document, edit_profile=edit_profile, widths=widths,
        ))

    def _recall() -> None:
        from compounder.ui.records.recall_dialog import RecallDialog

        _open(RecallDialog(context, window, widths=widths))

    actions["sign_in"].triggered.connect(lambda _=False: _sign_in())
    actions["sign_out"].triggered.connect(lambda _=False: context.sign_out())
    # Opened, not run (``exec``): the idle lock hides an open records window with what was typed in
    # it and shows it again after the sign-in (``session_lock``); a dialog run in its own loop would
    # be ended instead.
    actions["lots"].triggered.connect(lambda _=False: _lots())
    actions["history"].triggered.connect(lambda _=False: _history())
    actions["recall"].triggered.connect(lambda _=False: _recall())
    actions["first_accounts"] = QAction("&Create the first accounts…", window)
    actions["first_accounts"].setToolTip("This database has no account yet: make the administrator and the first pharmacist")

    def _first_accounts() -> None:
        """A fresh install's chain (issue 28): the accounts; the administrator, who has just typed
        their password, signed in for the pharmacy settings (opened when there are none yet);
        then the sign-in for the pharmacist, their user name filled in (each step audited as the
        menu's own). Cancelling a step ends the chain there."""
        from compounder.ui.records.first_accounts_dialog import FirstAccountsDialog
        from compounder.ui.records.sign_in_dialog import SignInDialog

        dialog = FirstAccountsDialog(context, window, sign_in_administrator=True)
        if not dialog.exec():
            return
        actions["first_accounts"].setVisible(False)
        if context.actor is None:
            window.statusBar().showMessage("The first accounts are made: Records ▸ Sign in…", 10000)
        if dialog.made is None or context.actor is None or first_settings is None or not first_settings():
            return
        SignInDialog(context, window, username=dialog.made[1].username).exec()

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
        actions["batch"].triggered.connect(lambda _=False: _open(make_batch()))
        menu.addAction(actions["batch"])
    menu.addActions([actions["lots"], actions["history"], actions["recall"]])
    _install_quality_logs(menu, window, context, actions, pharmacy)
    menu.addSeparator()
    actions["users"] = QAction("&Users…", window)
    actions["users"].setToolTip("User accounts (administrator)")
    actions["users"].triggered.connect(lambda _=False: _open(_users_dialog(context, window, widths)))
    actions["users"].setEnabled(False)
    menu.addAction(actions["users"])
    actions["audit"] = QAction("Audit &trail…", window)
    actions["audit"].setToolTip("Every change to the records, by batch, user, kind and date, and whether the trail is unbroken (administrators and pharmacists)")
    actions["audit"].triggered.connect(lambda _=False: _open(_audit_dialog(context, window)))
    actions["audit"].setEnabled(False)
    menu.addAction(actions["audit"])
    actions["blind_check"] = QAction("&Blind check at verification…", window)
    actions["blind_check"].setToolTip("Whether a pharmacist types their own figures before the preparer's are shown (administrator)")
    actions["blind_check"].triggered.connect(lambda _=False: _blind_check_dialog(context, window).exec())
    actions["blind_check"].setEnabled(False)
    menu.addAction(actions["blind_check"])

    def _signed(actor: Actor | None) -> None:
        actions["sign_out"].setEnabled(actor is not None)
        actions["users"].setEnabled(actor is not None and actor.role.value == "administrator")
        actions["audit"].setEnabled(actor is not None and actor.role.value in ("administrator", "pharmacist"))
        actions["blind_check"].setEnabled(actor is not None and actor.role.value == "administrator")
        actions["sign_out"].setText(f"Sign &out {actor.username}" if actor else "Sign &out")
        window.statusBar().showMessage(f"Signed in as {actor.username} ({actor.role.value})" if actor else "Signed out", 5000)

    context.signed_in.connect(_signed)
    actions["sign_out"].setEnabled(False)
    return actions


def _open(dialog: QDialog) -> QDialog:
    """Show ``dialog`` over the window (window-modal), deleted when closed."""
    from PySide6.QtCore import Qt

    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog


def _audit_dialog(context: RecordsContext, parent: QWidget) -> QDialog:
    from compounder.ui.records.audit_dialog import AuditTrailDialog

    return AuditTrailDialog(context, None, parent)  # the head file the database's connections record it in


def _users_dialog(context: RecordsContext, parent: QWidget, widths: ColumnWidthStore | None) -> QDialog:
    from compounder.ui.records.users_dialog import UsersDialog

    return UsersDialog(context, parent, widths=widths)


#: The quality logs' screens (issue 25): action name, menu text, module, class.
QUALITY_LOGS = (
    ("balance_log", "&Balance log…", "balance_log_dialog", "BalanceLogDialog"),
    ("equipment_log", "&Equipment and cleaning…", "equipment_log_dialog", "EquipmentLogDialog"),
    ("competency_log", "&Training and competency…", "competency_log_dialog", "CompetencyLogDialog"),
    ("complaints_log", "&Complaints and adverse events…", "complaints_log_dialog", "ComplaintsLogDialog"),
    ("sop_register", "&SOP register…", "sop_register_dialog", "SopRegisterDialog"),
)


def _install_quality_logs(menu, window: QMainWindow, context: RecordsContext, actions: dict[str, QAction], pharmacy: Callable[[], Any] | None) -> None:
    """A "Quality logs" submenu; each screen is imported when first opened."""
    from importlib import import_module

    logs = menu.addMenu("&Quality logs")
    for name, text, module, cls in QUALITY_LOGS:
        action = QAction(text, window)

        def _open(_=False, module=module, cls=cls) -> None:
            settings = pharmacy() if pharmacy is not None else None
            screen = getattr(import_module(f"compounder.ui.records.{module}"), cls)
            screen(context, window, pharmacy_name=getattr(settings, "name", ""), paper=getattr(settings, "worksheet_paper", "letter")).exec()

        action.triggered.connect(_open)
        logs.addAction(action)
        actions[name] = action


def _blind_check_dialog(context: RecordsContext, parent: QWidget) -> QDialog:
    from compounder.ui.records.blind_check_setting_dialog import BlindCheckSettingDialog

    return BlindCheckSettingDialog(context, parent)
