"""Entry script of the bundled application (PyInstaller needs a script, not a module)."""

from compounder.__main__ import main

raise SystemExit(main())
