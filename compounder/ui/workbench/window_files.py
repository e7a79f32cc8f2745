"""The main window's formula files and formula library: new, open, save, save to library, approve."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

from compounder.calc import InputError
from compounder.calc.formula_file import MAX_FORMULA_FILE_BYTES, decode_formula_file
from compounder.records.database import DatabaseUnavailable
from compounder.records.edit_versions import EditConflict
from compounder.records.library import LibraryError
from compounder.records.policy import RecordError
from compounder.ui.common.edit_conflict_dialog import ConflictChoice
from compounder.ui.workbench.formula_source import FileSource, LibrarySource, Source
from compounder.ui.workbench.prompts import Unsaved
from compounder.ui.workbench.window_parts import WindowParts

T = TypeVar("T")

KEPT = "The formula stays in the window, unsaved: save again (Ctrl+S) when the server is back, or save it to a file."


class FilesPart(WindowParts):
    """Opens and saves formulas (a part of ``MainWindow``)."""

    def maybe_discard(self) -> bool:
        """True when the current formula may be replaced (saved, or the pharmacist said so)."""
        if not self.document.is_modified():
            return True
        answer = self.prompts.unsaved_changes(self._title())
        if answer is Unsaved.SAVE:
            return self.save()
        return answer is Unsaved.DISCARD

    def new_formula(self) -> None:
        if self.maybe_discard():
            self.document.new()
            self._set_source(None)

    def open_file_dialog(self) -> None:
        if not self.maybe_discard():
            return
        folder = self.source.path.parent if isinstance(self.source, FileSource) else None
        path = self.prompts.open_path(folder)
        if path is not None:
            self.open_file(path)

    def open_file(self, path: Path) -> bool:
        """Open a formula file; an unreadable file is refused with a message, the formula kept."""
        try:
            data = read_formula_file(path)
            self.document.load(data)
        except (OSError, ValueError) as error:
            message = f"{error.field}: {error.message}" if isinstance(error, InputError) else str(error)
            self.prompts.error("Cannot open the formula", f"{path}:\n{message}")
            if isinstance(error, FileNotFoundError):
                self.settings.remove_recent_file(path)
                self._rebuild_recent_menu()
            return False
        self._set_source(FileSource(path))
        self._remember(path)
        self.statusBar().showMessage(f"Opened {path}", 5000)
        return True

    def open_from_library(self) -> None:
        if not self.maybe_discard():
            return
        entry_id = self.prompts.library_entry(self.library.entries())
        if entry_id is not None:
            self.open_library_entry(entry_id)

    def open_library_entry(self, entry_id: int) -> bool:
        try:
            entry = self.library.get(entry_id)
            self.document.load(entry.data)
        except (LibraryError, InputError) as error:
            self.prompts.error("Cannot open the master formula", str(error))
            return False
        self._set_source(LibrarySource(entry.id, entry.read_only, entry.version), entry.approved_at)
        note = " (reference formula: read-only; save to the library under a new name to change it)" if entry.read_only else ""
        self.statusBar().showMessage(f"Opened “{entry.name}” from the library{note}", 8000)
        return True

    def save(self) -> bool:
        source = self.source
        if isinstance(source, FileSource) and source.path.suffix.lower() == ".json":
            return self.save_file(source.path)
        if isinstance(source, LibrarySource) and not source.read_only:
            try:
                entry = self._library_call(
                    "Cannot save to the library",
                    lambda: self.library.update(source.entry_id, self.document.master_data(), name=self.document.header("name") or None,
                                                based_on=source.version or None),
                )
            except EditConflict as conflict:
                self._resolve_conflict(source, conflict)
                return False
            if entry is None:
                return False
            self.document.mark_saved()
            self._set_source(replace(source, version=entry.version), entry.approved_at)
            self.statusBar().showMessage(f"Saved “{entry.name}” to the library", 5000)
            return True
        if isinstance(source, LibrarySource):
            return self.save_to_library()
        return self.save_as_file()

    def _resolve_conflict(self, source: LibrarySource, conflict: EditConflict) -> None:
        """Another workstation saved this formula first: the person reloads the newest, or has
        their change applied on it and shown for review (saved only when they save again)."""
        choice = self.prompts.edit_conflict("Saved meanwhile on another workstation", str(conflict))
        if choice is ConflictChoice.RELOAD:
            self.open_library_entry(source.entry_id)
        elif choice is ConflictChoice.REAPPLY:
            seen = next((v.data for v in self.library.versions(source.entry_id) if v.version == source.version), None)
            newest = self.library.get(source.entry_id)
            mine = {**self.document.master_data(), "name": self.document.header("name") or newest.name}
            from compounder.calc.formula_diff import reapplied  # with the first conflict: the window starts without it

            self.document.load(reapplied(seen if seen is not None else newest.data, mine, newest.data))
            self._set_source(LibrarySource(newest.id, newest.read_only, newest.version), newest.approved_at)
            self.document.mark_unsaved()
            self.statusBar().showMessage(f"Your change applied on version {newest.version} of “{newest.name}”: review it, then save", 15000)

    def _library_call(self, title: str, call: Callable[[], T], when_lost: str = KEPT) -> T | None:
        """A change to the formula library, or ``None`` after saying why it was refused or that
        the server is out of reach (the formula in the window is untouched either way). An
        ``EditConflict`` is the caller's to resolve."""
        try:
            return call()
        except EditConflict:
            raise
        except LibraryError as error:
            self.prompts.error(title, str(error))
        except (DatabaseUnavailable, RecordError) as error:  # RecordError: e.g. gave up waiting for the database
            self.prompts.error(title, f"{error}. {when_lost}")
        return None

    def save_as_file(self) -> bool:
        if isinstance(self.source, FileSource):
            suggested = self.source.path.with_suffix(".json")
        else:
            suggested = Path.home() / f"{_file_stem(self.document.header('name') or 'formula')}.json"
        path = self.prompts.save_path(suggested)
        return self.save_file(path) if path is not None else False

    def save_file(self, path: Path) -> bool:
        text = json.dumps(self.document.to_data(), indent=2, ensure_ascii=False) + "\n"
        try:
            temporary = path.with_name(path.name + ".part")
            temporary.write_text(text, encoding="utf-8")
            temporary.replace(path)
        except OSError as error:
            self.prompts.error("Cannot save the formula", f"{path}:\n{error.strerror or error}")
            return False
        self.document.mark_saved()
        self._set_source(FileSource(path))
        self._remember(path)
        self.statusBar().showMessage(f"Saved {path}", 5000)
        return True

    def save_to_library(self) -> bool:
        name = self.prompts.name("Save to the formula library", "Name of the master formula:", self._library_name())
        if name is None:
            return False
        entry = self._library_call("Cannot save to the library", lambda: self.library.add(name, self.document.master_data()))
        return entry is not None and self._saved_to_library(entry)

    def _library_name(self) -> str:
        """The name a library save offers: the one typed when it is acceptable, else the name the
        content gives (``calc.formula_name``)."""
        typed = self.document.header("name")
        if typed and self.document.cell_error(None, "name") is None:
            return typed
        from compounder.calc.formula_name import derived_name  # with the first name offered: the window starts without it

        return derived_name(self.document.master_data())

    def _saved_to_library(self, entry) -> bool:
        """The window after ``entry`` was saved as a new library formula or version: its name, saved,
        its source, said."""
        if self.document.header("name") != entry.name:
            self.document.set_header("name", entry.name)
        self.document.mark_saved()
        self._set_source(LibrarySource(entry.id, read_only=False, version=entry.version), entry.approved_at)
        self.statusBar().showMessage(f"Saved “{entry.name}” to the library", 5000)
        return True

    def approve(self) -> bool:
        """Approve the master formula as it stands: never while an error of the formula stands
        (the patient's findings belong to one batch, not to the master formula). One dialog: the
        name (the one typed, or derived from the content), what changed since the version last
        approved; its default button saves the formula to the library (when it is not saved as
        shown) and approves it, signed in the signing dialog. Cancelled, nothing is saved."""
        if self.document.must_be_corrected:
            self.prompts.error("Cannot approve", "The formula has errors; approve it once they are resolved.")
            return False
        source = self.source
        in_library = isinstance(source, LibrarySource) and not source.read_only
        shipped_as_is = isinstance(source, LibrarySource) and source.read_only and not self.document.is_modified()
        to_save = not shipped_as_is and (not in_library or self.document.is_modified())
        name = self._library_name()
        entry_id = source.entry_id if isinstance(source, LibrarySource) else None
        if to_save:
            review = self._library_call("Cannot approve", lambda: self.library.preview_review(
                entry_id if in_library else None, name, self.document.master_data()), "Approve again when the server is back.")
        elif entry_id is not None:
            review = self._library_call("Cannot approve", lambda: self.library.review(entry_id), "Approve again when the server is back.")
        else:
            return False
        if review is None:
            return False
        shown_version = source.version if isinstance(source, LibrarySource) and not to_save else review.version.version
        if review.version.version == shown_version:  # else the window shows an older one: refused below, saying what changed
            if review.name_problem is not None:
                self.prompts.error("Cannot approve", f"name: {review.name_problem}")
                return False
            if not self.prompts.approve_formula(review, saves=to_save):  # what changed since the version last approved
                return False
        if to_save and not self._save_for_approval(name, in_library):
            return False
        saved = self.source
        if not isinstance(saved, LibrarySource):
            return False
        if to_save and saved.version != review.version.version:  # another version was saved meanwhile: not approved unseen
            self.prompts.error("Cannot approve", f"the library holds version {saved.version}, not the version {review.version.version} shown; "
                               "review it and approve again")
            return False
        try:  # the approval is of the version reviewed, as the window shows it, never of a newer one
            shown = {**self.document.master_data(), "name": self.document.header("name") or ""}
            subject = (f"Master formula “{review.version.name}”, version {review.version.version} "
                       f"(content {review.short_hash}): approved for new batches exactly as reviewed.")
            entry = self._library_call("Cannot approve", lambda: self.prompts.sign("approve", subject, lambda signature: self.library.approve(
                saved.entry_id, signature.credentials if signature is not None else None, version=saved.version or None, shown=shown,
            )), "Approve again when the server is back.")
        except EditConflict as conflict:
            self._resolve_conflict(saved, conflict)
            return False
        if entry is None:
            if to_save:  # saved for the approval, then not approved: said, or "Saved" alone reads as done. Why (the
                # signing dialog cancelled, a signer without the right, the server gone) was said where it happened.
                self.statusBar().showMessage(f"Saved “{review.version.name}” as version {saved.version} to the library; not approved")
            return False
        self._set_source(self.source, entry.approved_at)
        self.statusBar().showMessage(f"Approved “{entry.name}”", 5000)
        return True

    def _save_for_approval(self, name: str, in_library: bool) -> bool:
        """The formula saved under ``name`` as the approval dialog showed it: a new version of the
        pharmacy formula on screen, or a new pharmacy formula (a shipped one stays as shipped)."""
        source = self.source
        if in_library and isinstance(source, LibrarySource):
            try:
                entry = self._library_call("Cannot save to the library", lambda: self.library.update(
                    source.entry_id, self.document.master_data(), name=name, based_on=source.version or None))
            except EditConflict as conflict:
                self._resolve_conflict(source, conflict)
                return False
        else:
            entry = self._library_call("Cannot save to the library", lambda: self.library.add(name, self.document.master_data()))
        return entry is not None and self._saved_to_library(entry)

    def _set_source(self, source: Source, approved_at: dt.datetime | None = None) -> None:
        self.source = source
        self.approved_at = approved_at
        self._update_summary()
        self._update_title()



def read_formula_file(path: Path) -> Any:
    """A formula file's data (JSON, or TOML by its suffix); ``ValueError`` says what is wrong."""
    from compounder.files import read_regular_file  # not a FIFO or /dev/zero, nor a file of gigabytes

    return decode_formula_file(read_regular_file(path, MAX_FORMULA_FILE_BYTES, "formula"), path.suffix)


def _file_stem(name: str) -> str:
    return re.sub(r"[^\w.-]+", "-", name).strip("-")[:80] or "formula"


