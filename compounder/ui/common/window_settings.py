"""The window's settings: a small typed schema over ``QSettings`` in an INI file.

The file lives in ``COMPOUNDER_SETTINGS_DIR`` when that is set (tests point it at a temporary
folder), else in the user's config directory. A ``Settings`` is created once in ``run_app`` and
passed to whatever needs it; nothing reaches for a global.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs
from PySide6.QtCore import QByteArray, QSettings

SETTINGS_ENV = "COMPOUNDER_SETTINGS_DIR"
SCHEMA_VERSION = 1
MAX_RECENT_FILES = 8


def settings_dir() -> Path:
    if os.environ.get(SETTINGS_ENV):
        return Path(os.environ[SETTINGS_ENV])
    return Path(platformdirs.user_config_dir("compounder", appauthor=False))


class Settings:
    """Window geometry, splitter positions and recent files, versioned."""

    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.path = directory / "compounder.ini"
        self._store = QSettings(str(self.path), QSettings.Format.IniFormat)
        version = self._store.value("schema_version", 0, type=int)
        if isinstance(version, int) and version > SCHEMA_VERSION:  # written by a newer Compounder: leave it alone, start clean
            self._store = QSettings(str(directory / f"compounder-v{SCHEMA_VERSION}.ini"), QSettings.Format.IniFormat)
        self._store.setValue("schema_version", SCHEMA_VERSION)

    @classmethod
    def from_environment(cls) -> Settings:
        return cls(settings_dir())

    # -- window
    def geometry(self) -> QByteArray | None:
        return self._bytes("window/geometry")

    def set_geometry(self, value: QByteArray) -> None:
        self._store.setValue("window/geometry", value)

    def window_state(self) -> QByteArray | None:
        return self._bytes("window/state")

    def set_window_state(self, value: QByteArray) -> None:
        self._store.setValue("window/state", value)

    def splitter_state(self, name: str) -> QByteArray | None:
        return self._bytes(f"splitters/{name}")

    def set_splitter_state(self, name: str, value: QByteArray) -> None:
        self._store.setValue(f"splitters/{name}", value)

    # -- records lists
    def column_widths(self, screen: str) -> list[int] | None:
        """The widths the user left a records list's columns at (``view_sizing.SampledColumnWidths``)."""
        value = self._store.value(f"columns/{screen}")
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            return None
        try:
            widths = [int(v) for v in value]
        except ValueError:
            return None
        return widths if widths and all(0 < w < 10_000 for w in widths) else None

    def set_column_widths(self, screen: str, widths: list[int]) -> None:
        self._store.setValue(f"columns/{screen}", [str(w) for w in widths])

    # -- first run
    def welcomed(self) -> bool:
        """Whether the first-run welcome has been shown (and closed) before."""
        return bool(self._store.value("welcome/done", False, type=bool))

    def set_welcomed(self) -> None:
        self._store.setValue("welcome/done", True)
        self._store.sync()

    # -- recent files
    def recent_files(self) -> list[Path]:
        value = self._store.value("recent/files", [])
        if isinstance(value, str):  # QSettings gives a one-item list back as a string
            value = [value]
        return [Path(v) for v in value if v] if isinstance(value, list) else []

    def add_recent_file(self, path: Path) -> None:
        path = path.resolve()
        files = [path, *(p for p in self.recent_files() if p != path)][:MAX_RECENT_FILES]
        self._store.setValue("recent/files", [str(p) for p in files])

    def remove_recent_file(self, path: Path) -> None:
        self._store.setValue("recent/files", [str(p) for p in self.recent_files() if p != path])

    def sync(self) -> None:
        self._store.sync()

    def _bytes(self, key: str) -> QByteArray | None:
        value = self._store.value(key)
        return value if isinstance(value, QByteArray) and not value.isEmpty() else None
