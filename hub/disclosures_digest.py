"""The daily digest of reads of an agency's records by others, as `hub disclosures digest` prints it.

Written to be piped into the agency's own mail: plain lines of text, or one JSON document. It
carries ids, times, bases and the readers' names and agencies, never a child's name or a word
of a record, so it may travel where the hub's pages do not.
"""

from __future__ import annotations

import json
from enum import StrEnum

from graph.disclosures import RecordRead
from services.disclosures import Digest

_BASES = {"CONSENT": "consent", "OVERRIDE": "override", "BREAK_GLASS": "break glass"}


class DigestFormat(StrEnum):
    TEXT = "text"
    JSON = "json"


def render(digest: Digest, form: DigestFormat) -> str:
    return _json(digest) if form is DigestFormat.JSON else _text(digest)


def _time(read: RecordRead) -> str:
    return read.at.strftime("%Y-%m-%dT%H:%M:%SZ")


def _text(digest: Digest) -> str:
    count = len(digest.reads)
    lines = [
        f"Reads of {digest.agency_name}'s records by other agencies on {digest.day.isoformat()} (UTC): "
        f"{count} read{'s' if count != 1 else ''}",
    ]
    for read in digest.reads:
        basis = _BASES.get(read.basis, read.basis)
        under = read.override_id or read.break_glass_id
        lines.append(
            f"{_time(read)}  {read.reader_name or 'a professional no longer in the hub'} ({read.reader_id}, "
            f"{', '.join(read.reader_roles) or 'no role recorded'}) of "
            f"{read.reader_agency_name or read.reader_agency_id}, on {basis}{f' {under}' if under else ''}, "
            f"child {read.child.id}, records {', '.join(read.record_ids)}"
        )
    if not digest.reads:
        lines.append("No other agency read your agency's records that day.")
    return "\n".join(lines) + "\n"


def _json(digest: Digest) -> str:
    return json.dumps({
        "agency": {"id": digest.agency_id, "name": digest.agency_name},
        "day": digest.day.isoformat(),
        "reads": [
            {
                "seq": read.seq, "at": _time(read),
                "reader": {
                    "id": read.reader_id, "name": read.reader_name, "agency_id": read.reader_agency_id,
                    "agency_name": read.reader_agency_name, "roles": list(read.reader_roles),
                },
                "basis": read.basis, "override_id": read.override_id, "break_glass_id": read.break_glass_id,
                "child_id": read.child.id, "record_ids": list(read.record_ids),
            }
            for read in digest.reads
        ],
    }, indent=2, ensure_ascii=False) + "\n"
