"""Offline audit verification: `python -m protection.verify EXPORT --public-key PEM`.

Needs no database and no hub configuration. Exit status: 0 the export is intact and sealed
by the expected key, 1 it is not (the first broken seq is printed), 2 the input could not be
read or the expected key was not given.

The expected key is required. Hashes prove only that events link, and anyone who can write
the database can recompute them; the export's own header key proves nothing either, since
whoever rewrites an export can replace it. Only checkpoints signed by a key the auditor
obtained independently (GET /audit/public-key, or the hub operator's published PEM) prove
the chain is the one the hub sealed, so an export verifies only if a checkpoint signed by
that key covers its last event.

With --checkpoint-log the export is also compared with the checkpoints the hub appended to
a file outside the database (HUB_AUDIT_CHECKPOINT_LOG): a signed head that the database no
longer shows is still in that file.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from protection.chain import Checkpoint, load_public_key_pem, signing_key_id, verify_chain
from protection.export import ExportUnreadable, read_checkpoint_log, read_export

OK = 0
BROKEN = 1
UNREADABLE = 2

NO_KEY = (
    "the expected public key is required: pass --public-key PEM with the key the hub "
    "published (GET /audit/public-key, or the public half of HUB_AUDIT_SIGNING_KEY_FILE: "
    "`openssl pkey -in signing-key.pem -pubout`), obtained independently of the export; "
    "the key inside an export proves nothing, as whoever rewrites an export can replace it"
)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m protection.verify", description="Verify a hub audit export offline."
    )
    parser.add_argument("export", type=Path, help="the JSON Lines export file")
    parser.add_argument(
        "--public-key", type=Path,
        help="the Ed25519 public key (PEM) the hub published; required (GET /audit/public-key)",
    )
    parser.add_argument(
        "--checkpoint-log", type=Path,
        help="the hub's checkpoint log (HUB_AUDIT_CHECKPOINT_LOG) to compare the export with",
    )
    arguments = parser.parse_args(argv)
    if arguments.public_key is None:
        print(f"unreadable: {NO_KEY}", file=sys.stderr)
        return UNREADABLE
    logged: tuple[Checkpoint, ...] = ()
    try:
        export = read_export(arguments.export)
        public_key = load_public_key_pem(arguments.public_key.read_bytes())
        if arguments.checkpoint_log is not None:
            logged = read_checkpoint_log(arguments.checkpoint_log)
        embedded = signing_key_id(load_public_key_pem(export.public_key_pem))
    except (ExportUnreadable, OSError, ValueError, TypeError) as error:
        print(f"unreadable: {error}", file=sys.stderr)
        return UNREADABLE
    expected = signing_key_id(public_key)
    if embedded != expected:
        print(f"note: the export's header carries key {embedded}, not the expected {expected}")
    report = verify_chain(
        export.events, export.checkpoints, public_key, require_sealed=True,
        logged_checkpoints=logged,
    )
    if report.ok:
        compared = (
            f"; it agrees with the checkpoint log ({len(logged)} checkpoints)"
            if arguments.checkpoint_log is not None
            else "; not compared with a checkpoint log (--checkpoint-log)"
        )
        print(f"ok: {report.reason}, with key {expected}{compared}")
        # An export cut back to an earlier checkpoint reads like an older export: what it
        # ends with lets the auditor who made it see whether it is theirs.
        last = export.events[-1]
        print(f"it ends with event {last.seq}: {last.action} by {last.actor} at {last.at}")
        later = [c for c in logged if c.seq > last.seq]
        if later:
            print(
                f"note: the checkpoint log holds {len(later)} checkpoints past this export's end, "
                f"the last over seq {later[-1].seq} signed at {later[-1].at}: the export was made "
                "before them, or was cut back to a checkpoint"
            )
        return OK
    print(f"broken: first broken seq {report.first_broken_seq}: {report.reason}")
    print(
        f"({report.events_checked} events link and hash correctly and "
        f"{report.checkpoints_checked} checkpoints verify up to the break)"
    )
    return BROKEN


if __name__ == "__main__":
    sys.exit(main())
