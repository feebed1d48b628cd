"""The tamper-evident audit chain, as pure functions: hashing, signed checkpoints, verification.

Each event's hash covers every other field, including the previous event's hash, so
editing, removing or reordering an event breaks the chain where it happened. Hashes are
no secret, though: whoever can write the store can rewrite events and recompute every
hash after them. What they cannot redo is a checkpoint, an Ed25519 signature over a head
(seq and hash): events up to a checkpoint cannot be changed without the signing key, and a
verifier holding only the published public key can tell. Events after the last checkpoint
are covered by nothing yet, which is why an export is sealed with a checkpoint over its
last event and a verifier of an export treats any event past its last checkpoint as a break.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

GENESIS_HASH = "0" * 64
HASHED_FIELDS = (
    "seq", "at", "actor", "agency", "role", "action", "targets", "basis", "override_id",
    "request_id", "prev_hash",
)
_CHECKPOINT_DOMAIN = b"hub-audit-checkpoint/v1\n"


def _check_canonical(value: object, path: str) -> None:
    # Floats have several valid JSON spellings, so a hash over them would not be reproducible.
    if value is None or isinstance(value, str):
        return
    if isinstance(value, bool) or not isinstance(value, int | list | tuple | dict):
        raise TypeError(f"{path}: {type(value).__name__} has no canonical encoding")
    if isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _check_canonical(item, f"{path}[{index}]")
    elif isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"{path}: keys must be strings")
            _check_canonical(item, f"{path}.{key}")


def canonical_json(value: Mapping[str, Any]) -> bytes:
    """Sorted keys, no spaces, UTF-8; strings, integers, null, lists and objects only."""
    _check_canonical(dict(value), "$")
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def event_hash(fields: Mapping[str, Any]) -> str:
    """SHA-256 hex over the canonical encoding of every event field but `hash`.

    Exactly `HASHED_FIELDS` are taken, so extra keys a store adds are not hashed and a
    missing field is an error rather than a different hash.
    """
    missing = [name for name in HASHED_FIELDS if name not in fields]
    if missing:
        raise KeyError(f"an audit event needs {', '.join(missing)}")
    hashed = {name: fields[name] for name in HASHED_FIELDS}
    hashed["targets"] = list(hashed["targets"])
    return hashlib.sha256(canonical_json(hashed)).hexdigest()


def _text(fields: Mapping[str, Any], name: str) -> str:
    value = fields[name]
    if not isinstance(value, str):
        raise ValueError(f"{name} must be a string")
    return value


def _optional_text(fields: Mapping[str, Any], name: str) -> str | None:
    value = fields.get(name)
    if value is not None and not isinstance(value, str):
        raise ValueError(f"{name} must be a string or null")
    return value


def _integer(fields: Mapping[str, Any], name: str) -> int:
    value = fields[name]
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be an integer")
    return value


@dataclass(frozen=True, slots=True)
class AuditEvent:
    """Who did what to which ids, on which basis; ids only, never case content."""

    seq: int
    at: str
    actor: str
    agency: str
    role: str
    action: str
    targets: tuple[str, ...]
    basis: str | None
    override_id: str | None
    request_id: str
    prev_hash: str
    hash: str

    @classmethod
    def from_fields(cls, fields: Mapping[str, Any]) -> AuditEvent:
        """Builds an event from a stored or exported mapping; ValueError if a type is wrong."""
        targets = fields["targets"]
        if not isinstance(targets, list | tuple) or not all(isinstance(t, str) for t in targets):
            raise ValueError("targets must be a list of strings")
        return cls(
            seq=_integer(fields, "seq"),
            at=_text(fields, "at"),
            actor=_text(fields, "actor"),
            agency=_text(fields, "agency"),
            role=_text(fields, "role"),
            action=_text(fields, "action"),
            targets=tuple(targets),
            basis=_optional_text(fields, "basis"),
            override_id=_optional_text(fields, "override_id"),
            request_id=_text(fields, "request_id"),
            prev_hash=_text(fields, "prev_hash"),
            hash=_text(fields, "hash"),
        )

    def to_fields(self) -> dict[str, Any]:
        """The event as a JSON-ready mapping (targets as a list), `hash` included."""
        fields = {name: getattr(self, name) for name in (*HASHED_FIELDS, "hash")}
        fields["targets"] = list(self.targets)
        return fields

    def computed_hash(self) -> str:
        return event_hash(self.to_fields())


@dataclass(frozen=True, slots=True)
class Checkpoint:
    seq: int
    head_hash: str
    at: str
    key_id: str
    signature: str

    @classmethod
    def from_fields(cls, fields: Mapping[str, Any]) -> Checkpoint:
        return cls(
            seq=_integer(fields, "seq"),
            head_hash=_text(fields, "head_hash"),
            at=_text(fields, "at"),
            key_id=_text(fields, "key_id"),
            signature=_text(fields, "signature"),
        )

    def to_fields(self) -> dict[str, Any]:
        return {
            "seq": self.seq, "head_hash": self.head_hash, "at": self.at,
            "key_id": self.key_id, "signature": self.signature,
        }


@dataclass(frozen=True, slots=True)
class ChainHead:
    """Where a store says the chain ends, read before its events."""

    seq: int
    hash: str


@dataclass(frozen=True, slots=True)
class VerificationReport:
    ok: bool
    events_checked: int
    checkpoints_checked: int
    first_broken_seq: int | None
    reason: str
    # The seq of the last checkpoint that verified (0 for none) and how many verified
    # events follow it: those are proven only to link, not to be what was signed.
    sealed_through_seq: int = 0
    uncovered_events: int = 0


def generate_signing_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def load_private_key_pem(pem: bytes, *, password: bytes | None = None) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(pem, password=password)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("the audit signing key must be an Ed25519 private key")
    return key


def load_public_key_pem(pem: bytes) -> Ed25519PublicKey:
    key = serialization.load_pem_public_key(pem)
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("the audit verification key must be an Ed25519 public key")
    return key


def private_key_pem(key: Ed25519PrivateKey, *, password: bytes | None = None) -> bytes:
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(password)
        if password is not None
        else serialization.NoEncryption()
    )
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    )


def public_key_pem(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def signing_key_id(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "ed25519:" + hashlib.sha256(raw).hexdigest()[:16]


def checkpoint_message(*, seq: int, head_hash: str, at: str, key_id: str) -> bytes:
    # The domain prefix keeps a checkpoint signature from being valid for anything else.
    return _CHECKPOINT_DOMAIN + canonical_json(
        {"seq": seq, "head_hash": head_hash, "at": at, "key_id": key_id}
    )


def sign_checkpoint(key: Ed25519PrivateKey, *, seq: int, head_hash: str, at: str) -> Checkpoint:
    key_id = signing_key_id(key.public_key())
    signature = key.sign(checkpoint_message(seq=seq, head_hash=head_hash, at=at, key_id=key_id))
    return Checkpoint(
        seq=seq, head_hash=head_hash, at=at, key_id=key_id,
        signature=base64.urlsafe_b64encode(signature).decode("ascii"),
    )


def checkpoint_signature_valid(checkpoint: Checkpoint, public_key: Ed25519PublicKey) -> bool:
    try:
        signature = base64.urlsafe_b64decode(checkpoint.signature)
    except (binascii.Error, ValueError):
        return False
    message = checkpoint_message(
        seq=checkpoint.seq, head_hash=checkpoint.head_hash, at=checkpoint.at,
        key_id=checkpoint.key_id,
    )
    try:
        public_key.verify(signature, message)
    except InvalidSignature:
        return False
    return True


def _signature_problem(checkpoint: Checkpoint, public_key: Ed25519PublicKey) -> str | None:
    published = signing_key_id(public_key)
    if checkpoint.key_id != published:
        return (
            f"checkpoint at seq {checkpoint.seq} names signing key {checkpoint.key_id}, "
            f"not the published key {published}"
        )
    if not checkpoint_signature_valid(checkpoint, public_key):
        return (
            f"checkpoint at seq {checkpoint.seq}: the signature does not verify with the "
            f"published key {published}"
        )
    return None


class _Verification:
    def __init__(self) -> None:
        self.events_checked = 0
        self.checkpoints_checked = 0
        self.verified: list[Checkpoint] = []

    @property
    def last_checkpoint(self) -> Checkpoint | None:
        return self.verified[-1] if self.verified else None

    @property
    def sealed_through(self) -> int:
        return 0 if self.last_checkpoint is None else self.last_checkpoint.seq

    def _report(self, ok: bool, seq: int | None, reason: str) -> VerificationReport:
        return VerificationReport(
            ok, self.events_checked, self.checkpoints_checked, seq, reason,
            sealed_through_seq=self.sealed_through,
            uncovered_events=self.events_checked - self.sealed_through,
        )

    def broken(self, seq: int, reason: str) -> VerificationReport:
        return self._report(False, seq, reason)

    def passed(self, reason: str) -> VerificationReport:
        return self._report(True, None, reason)


def _sequence_problem(expected: int, event: AuditEvent, present: set[int]) -> str:
    if expected in present:
        return f"event {expected} is out of order: seq {event.seq} stands in its place"
    if event.seq > expected:
        return f"event {expected} is missing: the chain jumps from {expected - 1} to {event.seq}"
    return f"seq {event.seq} appears again where event {expected} should be"


def _regrown_problem(
    beyond: Checkpoint, last_seq: int, verified: list[Checkpoint], source: str
) -> tuple[int, str] | None:
    """A signed head past the chain's end that checkpoints of the chain were signed after.

    A checkpoint signed later over a lower seq means the chain was cut back below `beyond`
    and extended again: only events up to the last checkpoint signed before `beyond` are
    vouched for by a signature made before the cut.
    """
    later = [c for c in verified if c.at > beyond.at]
    if not later:
        return None
    trusted = max((c.seq for c in verified if c.at <= beyond.at), default=0)
    return trusted + 1, (
        f"{source} at seq {beyond.seq}, signed at {beyond.at}, lies past the chain's end at "
        f"{last_seq}, yet the checkpoint at seq {later[0].seq} was signed after it, at "
        f"{later[0].at}: the chain was cut back and extended again, so events after seq "
        f"{trusted} may have been removed or rewritten"
    )


def _tail_problem(
    ordered: list[AuditEvent],
    unmatched: list[Checkpoint],
    public_key: Ed25519PublicKey,
    expected_head: ChainHead | None,
    verified: list[Checkpoint],
) -> tuple[int, str] | None:
    """What is wrong after the last event: a signed or recorded head beyond where it ends."""
    last_seq = len(ordered)
    if unmatched:
        beyond = unmatched[0]
        problem = _signature_problem(beyond, public_key)
        if problem is not None:
            return beyond.seq, problem
        regrown = _regrown_problem(beyond, last_seq, verified, "a checkpoint")
        if regrown is not None:
            return regrown
        return last_seq + 1, (
            f"checkpoint at seq {beyond.seq} was signed but the chain ends at {last_seq}: "
            f"events {last_seq + 1}..{beyond.seq} were removed"
        )
    if expected_head is None:
        return None
    if expected_head.seq > last_seq:
        return last_seq + 1, (
            f"the head records seq {expected_head.seq} but the chain ends at {last_seq}: "
            f"events {last_seq + 1}..{expected_head.seq} were removed"
        )
    if expected_head.seq > 0 and ordered[expected_head.seq - 1].hash != expected_head.hash:
        return expected_head.seq, (
            f"the head's hash for seq {expected_head.seq} differs from the event's"
        )
    return None


def _summary(state: _Verification) -> str:
    summary = (
        f"{state.events_checked} events and {state.checkpoints_checked} signed checkpoints verified"
    )
    if state.last_checkpoint is not None:
        summary += (
            f"; the last checkpoint covers seq {state.last_checkpoint.seq} and was signed at "
            f"{state.last_checkpoint.at}"
        )
    uncovered = state.events_checked - state.sealed_through
    if uncovered:
        summary += f"; {uncovered} events are not yet covered by a signed checkpoint"
    return summary


def _unsealed_problem(state: _Verification) -> tuple[int, str] | None:
    """Why a chain that must be sealed is not: events no verified checkpoint covers."""
    if state.events_checked == state.sealed_through and state.last_checkpoint is not None:
        return None
    if state.last_checkpoint is None:
        return 1, (
            "no checkpoint signed with the expected key covers any event: whoever can "
            "write the store could have rewritten the whole chain and recomputed every hash "
            "(an export ends with a checkpoint signed over its last event)"
        )
    first = state.sealed_through + 1
    return first, (
        f"events {first}..{state.events_checked} follow the last signed checkpoint "
        f"(seq {state.sealed_through}): an export ends with a checkpoint signed over its "
        "last event, so these were added or rewritten, or its final checkpoint was removed"
    )


def _log_problem(
    ordered: list[AuditEvent],
    logged: list[Checkpoint],
    public_key: Ed25519PublicKey,
    verified: list[Checkpoint],
) -> tuple[int, str] | None:
    """Where the chain disagrees with checkpoints kept outside the store.

    A logged checkpoint is a signed head the store cannot take back: the chain must still
    have that hash at that seq. One past the chain's end is later activity, unless one of
    the chain's own checkpoints was signed after it: then events were cut off first.
    """
    for checkpoint in sorted(logged, key=lambda c: c.seq):
        problem = _signature_problem(checkpoint, public_key)
        if problem is not None:
            return checkpoint.seq, f"the checkpoint log: {problem}"
        if checkpoint.seq <= len(ordered):
            event = ordered[checkpoint.seq - 1]
            if event.hash != checkpoint.head_hash:
                return checkpoint.seq, (
                    f"the checkpoint log holds a checkpoint signed at {checkpoint.at} over "
                    f"seq {checkpoint.seq} with head hash {checkpoint.head_hash}, but event "
                    f"{checkpoint.seq} has {event.hash}: events up to {checkpoint.seq} were "
                    "rewritten after it was signed (or the transaction that signed it was "
                    "rolled back)"
                )
        else:
            regrown = _regrown_problem(
                checkpoint, len(ordered), verified, "the checkpoint log holds a checkpoint"
            )
            if regrown is not None:
                return regrown
    return None


def verify_chain(
    events: Iterable[AuditEvent],
    checkpoints: Iterable[Checkpoint],
    public_key: Ed25519PublicKey,
    *,
    expected_head: ChainHead | None = None,
    require_sealed: bool = False,
    logged_checkpoints: Iterable[Checkpoint] = (),
) -> VerificationReport:
    """Checks links, hashes and checkpoints in seq order; reports the first break and why.

    `events` are taken in the order given, which must be seq order: an export is read
    line by line and the store reads by seq, so a reordering shows up as a break.

    A live chain has events after its last checkpoint (`uncovered_events` says how many);
    an export is sealed at its head when it is made, so with `require_sealed` any event
    no checkpoint covers is a break: hashes alone prove only that events link, and anyone
    who can write the store can recompute them. `logged_checkpoints` are checkpoints kept
    outside the store, which the chain must agree with.
    """
    ordered = list(events)
    pending = sorted(checkpoints, key=lambda c: c.seq)
    state = _Verification()
    if pending and pending[0].seq < 1:
        return state.broken(1, f"checkpoint names seq {pending[0].seq}; chains start at 1")
    next_checkpoint = 0
    prev_hash = GENESIS_HASH
    # Events after the last checkpoint that verified could have been rewritten wholesale.
    unanchored_from = 1
    for expected, event in enumerate(ordered, start=1):
        if event.seq != expected:
            present = {e.seq for e in ordered}
            return state.broken(expected, _sequence_problem(expected, event, present))
        if event.prev_hash != prev_hash:
            before = "the genesis hash" if expected == 1 else f"the hash of event {expected - 1}"
            return state.broken(
                expected,
                f"event {expected} does not link to {before}: an event here was removed, "
                "moved or rewritten",
            )
        if event.computed_hash() != event.hash:
            return state.broken(
                expected, f"event {expected}'s hash does not match its fields: it was edited"
            )
        state.events_checked += 1
        prev_hash = event.hash
        while next_checkpoint < len(pending) and pending[next_checkpoint].seq == expected:
            checkpoint = pending[next_checkpoint]
            problem = _signature_problem(checkpoint, public_key)
            if problem is not None:
                return state.broken(checkpoint.seq, problem)
            if checkpoint.head_hash != event.hash:
                return state.broken(
                    unanchored_from,
                    f"checkpoint at seq {expected} signed head hash {checkpoint.head_hash}, but "
                    f"event {expected} has {event.hash}: events {unanchored_from}..{expected} "
                    "were rewritten after it was signed",
                )
            state.checkpoints_checked += 1
            state.verified.append(checkpoint)
            next_checkpoint += 1
            unanchored_from = expected + 1
    problem_at = _tail_problem(
        ordered, pending[next_checkpoint:], public_key, expected_head, state.verified
    )
    if problem_at is None and require_sealed:
        problem_at = _unsealed_problem(state)
    if problem_at is None:
        problem_at = _log_problem(ordered, list(logged_checkpoints), public_key, state.verified)
    if problem_at is not None:
        return state.broken(*problem_at)
    return state.passed(_summary(state))
