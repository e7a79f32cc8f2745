"""``settings``: where the pharmacy settings are read from, and an example to edit."""

from __future__ import annotations

import argparse
import json
from typing import TextIO

from compounder.cli.errors import EXIT_OK


def settings_command(args: argparse.Namespace, out: TextIO) -> int:
    from compounder.settings import EXAMPLE, settings_path

    if args.example:
        json.dump(EXAMPLE, out, indent=2, ensure_ascii=False)
        out.write("\n")
    else:
        path = settings_path()
        out.write(f"{path}{'' if path.is_file() else ' (not written yet; see --example)'}\n")
    return EXIT_OK

