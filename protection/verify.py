"""Offline audit verification: `python -m protection.verify EXPORT [--public-key PEM]`.

Needs no database and no hub configuration. Exit status: 0 the chain is intact, 1 it is
broken (the first broken seq is printed), 2 the input could not be read.

Without --public-key the key embedded in the export is used, which proves only that the
export is self-consistent: pass the key the hub published to prove who signed it.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from protection.chain import load_public_key_pem, verify_chain
from protection.export import ExportUnreadable, read_export

OK = 0
BROKEN = 1
UNREADABLE = 2


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m protection.verify", description="Verify a hub audit export offline."
    )
    parser.add_argument("export", type=Path, help="the JSON Lines export file")
    parser.add_argument("--public-key", type=Path, help="the published Ed25519 public key (PEM)")
    arguments = parser.parse_args(argv)
    try:
        export = read_export(arguments.export)
        pem = (
            arguments.public_key.read_bytes()
            if arguments.public_key is not None
            else export.public_key_pem
        )
        public_key = load_public_key_pem(pem)
    except (ExportUnreadable, OSError, ValueError, TypeError) as error:
        print(f"unreadable: {error}", file=sys.stderr)
        return UNREADABLE
    if arguments.public_key is None:
        print("note: using the key embedded in the export; pass --public-key to pin it")
    report = verify_chain(export.events, export.checkpoints, public_key)
    if report.ok:
        print(f"ok: {report.reason}")
        return OK
    print(f"broken: first broken seq {report.first_broken_seq}: {report.reason}")
    print(f"({report.events_checked} events verified before the break)")
    return BROKEN


if __name__ == "__main__":
    sys.exit(main())
