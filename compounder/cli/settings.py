"""``settings``: where the pharmacy settings are read from, an example to edit, and ``--init``
to write that example there (a fresh install has no settings folder to redirect it into)."""

from __future__ import annotations

import argparse
import json
from typing import TextIO

from compounder.cli.errors import EXIT_OK, UsageError


def settings_command(args: argparse.Namespace, out: TextIO) -> int:
    from compounder.settings import EXAMPLE, settings_path

    text = json.dumps(EXAMPLE, indent=2, ensure_ascii=False) + "\n"
    path = settings_path()
    if args.example:
        out.write(text)
    elif args.init:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("x", encoding="utf-8") as stream:
                stream.write(text)
        except FileExistsError:
            raise UsageError(f"compounder: settings --init: {path} exists already; edit it (nothing was written)") from None
        except OSError as error:
            raise UsageError(f"compounder: settings --init: cannot write {path} ({error.strerror or error})") from None
        out.write(
            f"wrote the example settings to {path}\n"
            "edit the pharmacy's name, address, phone and licence there before printing: the example's are not yours\n"
        )
    else:
        out.write(f"{path}{'' if path.is_file() else ' (not written yet; `compounder settings --init` writes an example there to edit)'}\n")
    return EXIT_OK
