"""The audit export: JSON Lines an auditor can verify offline with only this package.

Line 1 is a header carrying the public key PEM; then one line per checkpoint; then one
line per event in seq order. Each line is a JSON object with a `type`. An export is
sealed: its last checkpoint covers its last event.

The checkpoint log is the other file here: every checkpoint the hub signs, one line each
in the export's checkpoint format, appended to a file outside the database.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from protection.chain import AuditEvent, Checkpoint
from protection.errors import ProtectionError

FORMAT = "hub-audit-export"
VERSION = 1


class ExportUnreadable(ProtectionError):
    """The export is not a readable hub audit export; the message names the line."""


@dataclass(frozen=True, slots=True)
class AuditExport:
    public_key_pem: bytes
    checkpoints: tuple[Checkpoint, ...]
    events: tuple[AuditEvent, ...]


def _line(record: dict[str, Any]) -> str:
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n"


@contextmanager
def _opened(target: Path | str | IO[str], mode: str) -> Iterator[IO[str]]:
    if isinstance(target, Path | str):
        with Path(target).open(mode, encoding="utf-8", newline="\n") as stream:
            yield stream
    else:
        yield target


def export_lines(
    events: Iterable[AuditEvent], checkpoints: Iterable[Checkpoint], public_key_pem: bytes
) -> Iterator[str]:
    """The export line by line, pulling `events` lazily: for streaming it over HTTP."""
    yield _line({
        "type": "header", "format": FORMAT, "version": VERSION,
        "public_key_pem": public_key_pem.decode("ascii"),
    })
    for checkpoint in checkpoints:
        yield _line({"type": "checkpoint", **checkpoint.to_fields()})
    for event in events:
        yield _line({"type": "event", **event.to_fields()})


def write_export(
    target: Path | str | IO[str],
    events: Iterable[AuditEvent],
    checkpoints: Iterable[Checkpoint],
    public_key_pem: bytes,
) -> int:
    """Writes the export, streaming `events`; returns how many events were written."""
    written = 0

    def counted() -> Iterator[AuditEvent]:
        nonlocal written
        for event in events:
            written += 1
            yield event

    with _opened(target, "w") as stream:
        for line in export_lines(counted(), checkpoints, public_key_pem):
            stream.write(line)
    return written


def _header_key(record: dict[str, Any]) -> bytes:
    if record.get("type") != "header" or record.get("format") != FORMAT:
        raise ExportUnreadable(f"line 1: not a {FORMAT} header")
    if record.get("version") != VERSION:
        raise ExportUnreadable(f"line 1: export version {record.get('version')!r} is not supported")
    pem = record.get("public_key_pem")
    if not isinstance(pem, str):
        raise ExportUnreadable("line 1: the header has no public_key_pem")
    return pem.encode("ascii")


def _records(source: Path | str | IO[str], what: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """Each non-blank line as a JSON object with its line number; any fault names the line."""
    try:
        with _opened(source, "r") as stream:
            for number, text in enumerate(stream, start=1):
                if not text.strip():
                    continue
                try:
                    record = json.loads(text)
                except json.JSONDecodeError as error:
                    raise ExportUnreadable(f"{what} line {number}: {error}") from error
                if not isinstance(record, dict):
                    raise ExportUnreadable(f"{what} line {number}: not a JSON object")
                yield number, record
    except (OSError, UnicodeDecodeError) as error:
        raise ExportUnreadable(f"cannot read the {what}: {error}") from error


def read_export(source: Path | str | IO[str]) -> AuditExport:
    public_key_pem: bytes | None = None
    checkpoints: list[Checkpoint] = []
    events: list[AuditEvent] = []
    for number, record in _records(source, "export"):
        try:
            if public_key_pem is None:
                public_key_pem = _header_key(record)
            elif record.get("type") == "event":
                events.append(AuditEvent.from_fields(record))
            elif record.get("type") == "checkpoint":
                checkpoints.append(Checkpoint.from_fields(record))
            else:
                kind = record.get("type")
                raise ExportUnreadable(f"line {number}: unknown type {kind!r}")
        except (KeyError, ValueError) as error:
            raise ExportUnreadable(f"line {number}: {error}") from error
    if public_key_pem is None:
        raise ExportUnreadable("the export is empty")
    return AuditExport(public_key_pem, tuple(checkpoints), tuple(events))


def append_checkpoint_log(path: Path, checkpoint: Checkpoint) -> None:
    """Appends one line and forces it to disk before returning.

    One `write` on a descriptor opened for appending lands whole at the end even with
    several processes appending, and the caller goes on only once it is durable: a
    checkpoint the database holds is never missing from the log because of a crash.
    """
    line = _line({"type": "checkpoint", **checkpoint.to_fields()}).encode("utf-8")
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        os.write(descriptor, line)
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def read_checkpoint_log(source: Path | str | IO[str]) -> tuple[Checkpoint, ...]:
    checkpoints: list[Checkpoint] = []
    for number, record in _records(source, "checkpoint log"):
        if record.get("type") != "checkpoint":
            raise ExportUnreadable(f"checkpoint log line {number}: not a checkpoint")
        try:
            checkpoints.append(Checkpoint.from_fields(record))
        except (KeyError, ValueError) as error:
            raise ExportUnreadable(f"checkpoint log line {number}: {error}") from error
    return tuple(checkpoints)
