"""Loads the Casbin policy and answers access questions from it.

Two ways to ask, which must always agree:

- `allowed_bases` / `compile_read_filter`: for a caller's roles, which bases may be used,
  computed once per policy revision and passed into Cypher so that the database drops
  what the caller may not see;
- `decide`: one record at a time, given which bases hold for it. It asks Casbin directly
  and names the policy line that allowed the access, for tests to compare the compiled
  filter against and for `explainAccess` to report.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import casbin
from casbin.persist.adapters.string_adapter import StringAdapter

from graph.model import Role
from policies.kinds import Action, Basis, ResourceKind

POLICY_DIR = Path(__file__).resolve().parent
MODEL_PATH = POLICY_DIR / "model.conf"
POLICY_PATH = POLICY_DIR / "policy.csv"

# When several bases hold for one record, the one reported is the least intrusive: the
# caller's own knowledge first, then their work with the child, then the family's
# agreement, an override when nothing else would do, and one's own break glass last.
PREFERENCE: tuple[Basis, ...] = (
    Basis.OWN_AGENCY,
    Basis.ALLOCATED,
    Basis.CONSENT,
    Basis.OVERRIDE,
    Basis.BREAK_GLASS,
)

_KNOWN_ROLES = frozenset(role.value for role in Role)
_RESOURCE_KINDS = frozenset(kind.value for kind in ResourceKind)
_ACTIONS = frozenset(action.value for action in Action)
_BASES = frozenset(basis.value for basis in Basis)
# Role combinations are few in practice; the bound only stops a stream of odd claims
# from growing the cache without limit.
_CACHE_LIMIT = 4096


class PolicyError(Exception):
    """policy.csv or model.conf cannot be used as written."""


@dataclass(frozen=True, slots=True)
class BasisFacts:
    """Which bases hold for one record and one caller, as the graph found them."""

    own_agency: bool = False
    consent: bool = False
    override: bool = False
    allocated: bool = False
    break_glass: bool = False

    def holds(self, basis: Basis) -> bool:
        match basis:
            case Basis.OWN_AGENCY:
                return self.own_agency
            case Basis.CONSENT:
                return self.consent
            case Basis.OVERRIDE:
                return self.override
            case Basis.ALLOCATED:
                return self.allocated
            case Basis.BREAK_GLASS:
                return self.break_glass
            case Basis.EXISTENCE:
                # Existence needs no fact: it is what remains when nothing else holds.
                return True


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    basis: Basis | None
    policy_line: str | None

    @property
    def discloses_content(self) -> bool:
        """An EXISTENCE decision allows the caller to learn that a record exists, nothing more."""
        return self.allowed and self.basis is not Basis.EXISTENCE


DENIED = Decision(allowed=False, basis=None, policy_line=None)


def _revision(model_text: bytes, policy_text: bytes) -> str:
    digest = hashlib.sha256()
    # Length-prefixed so that moving text from one file to the other changes the revision.
    for part in (model_text, policy_text):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def _enforcer_from_text(model_text: bytes, policy_text: bytes) -> Any:
    try:
        model = casbin.Enforcer.new_model(text=model_text.decode("utf-8"))
        enforcer = casbin.Enforcer(model, StringAdapter(policy_text.decode("utf-8")))
        # A model.conf whose request no longer has four fields would otherwise fail only
        # on the first question asked of it.
        enforcer.enforce("", "", "", "")
    except (RuntimeError, KeyError, IndexError, ValueError) as error:
        raise PolicyError(f"the policy cannot be loaded: {error}") from error
    _check_vocabulary(enforcer)
    return enforcer


# A revision is the same whoever loads it, and never changes once loaded: every `Policy` in
# the process that holds it shares it, with what has been computed from it. Asking Casbin
# costs a tenth of a millisecond a question, and a caller's filter asks it a hundred.
@functools.lru_cache(maxsize=8)
def _loaded_from(model_text: bytes, policy_text: bytes) -> _Loaded:
    enforcer = _enforcer_from_text(model_text, policy_text)
    return _Loaded(
        enforcer=enforcer,
        revision=_revision(model_text, policy_text),
        model_text=model_text,
        policy_text=policy_text,
        roles=_named_roles(enforcer),
    )


def _named_roles(enforcer: Any) -> frozenset[str]:
    named = {rule[0] for rule in enforcer.get_policy()}
    named |= {member for member, _ in enforcer.get_grouping_policy()}
    return frozenset(named) & _KNOWN_ROLES


def load_enforcer(model_path: Path, policy_path: Path) -> Any:
    """A Casbin enforcer over the two files, checked against the policy's vocabulary."""
    return _enforcer_from_text(model_path.read_bytes(), policy_path.read_bytes())


def _check_vocabulary(enforcer: Any) -> None:
    """A misspelt word in policy.csv would otherwise silently deny, or silently allow."""
    groupings: list[list[str]] = enforcer.get_grouping_policy()
    rules: list[list[str]] = enforcer.get_policy()
    for grouping in groupings:
        if len(grouping) != 2:
            raise PolicyError(f"g, {', '.join(grouping)}: a grouping names a role and a group")
    for rule in rules:
        if len(rule) != 4:
            raise PolicyError(f"{_policy_line(rule)}: a rule has subject, resource, action, basis")
    groups = {group for _, group in groupings}
    if clash := groups & _KNOWN_ROLES:
        raise PolicyError(f"a group may not be named like a role: {sorted(clash)}")
    subjects = _KNOWN_ROLES | groups
    for member, group in groupings:
        if member not in subjects:
            raise PolicyError(f"g, {member}, {group}: {member!r} is neither a role nor a group")
    for rule in rules:
        subject, resource, action, basis = rule
        problems = [
            f"unknown subject {subject!r}" if subject not in subjects else "",
            f"unknown resource kind {resource!r}" if resource not in _RESOURCE_KINDS else "",
            f"unknown action {action!r}" if action not in _ACTIONS else "",
            f"unknown basis {basis!r}" if basis not in _BASES else "",
        ]
        if reported := "; ".join(problem for problem in problems if problem):
            raise PolicyError(f"{_policy_line(rule)}: {reported}")


def _policy_line(rule: list[str]) -> str:
    return "p, " + ", ".join(rule)


def _known_roles(roles: Iterable[str]) -> frozenset[str]:
    # Only real roles count: a token claiming a group's name ("mash_partner_officer")
    # must not inherit the group's rules.
    return frozenset(role for role in roles if role in _KNOWN_ROLES)


@dataclass(slots=True)
class _Loaded:
    """One revision of the policy and everything computed from it."""

    enforcer: Any
    revision: str
    model_text: bytes
    policy_text: bytes
    roles: frozenset[str]
    bases: dict[tuple[frozenset[str], ResourceKind, Action], frozenset[Basis]] = field(
        default_factory=dict
    )
    read_filters: dict[frozenset[str], tuple[tuple[str, tuple[str, ...]], ...]] = field(
        default_factory=dict
    )


class Policy:
    """The access policy in force, reloadable while the process runs.

    Each revision is held with its own caches, so a reload replaces both at once and no
    answer computed under an older revision is ever returned under a newer one. A loaded
    enforcer is never changed afterwards, so callers on other threads need no lock: each
    question reads the revision in force once and is answered wholly from it.
    """

    def __init__(self, model_path: Path = MODEL_PATH, policy_path: Path = POLICY_PATH) -> None:
        self._model_path = model_path
        self._policy_path = policy_path
        self._loaded = self._load()

    def _load(self) -> _Loaded:
        return _loaded_from(self._model_path.read_bytes(), self._policy_path.read_bytes())

    @property
    def revision(self) -> str:
        """SHA-256 over model.conf and policy.csv, for the graph to record which policy applied."""
        return self._loaded.revision

    @property
    def texts(self) -> tuple[bytes, bytes]:
        """model.conf and policy.csv as loaded, for storing this revision in the graph."""
        return self._loaded.model_text, self._loaded.policy_text

    @property
    def roles(self) -> frozenset[str]:
        """The roles the policy in force writes a line for, directly or through a group: a role
        outside it would be given nothing, so the directory refuses to grant it."""
        return self._loaded.roles

    def reload(self) -> str:
        """Re-reads both files; on an unusable file the policy in force stays in force."""
        loaded = self._load()
        self._loaded = loaded
        return loaded.revision

    def adopt(self, model_text: bytes, policy_text: bytes) -> str:
        """Puts a revision read from elsewhere (the graph) in force; unusable text changes nothing."""
        if _revision(model_text, policy_text) != self._loaded.revision:
            self._loaded = _loaded_from(model_text, policy_text)
        return self._loaded.revision

    def allowed_bases(
        self, roles: Iterable[str], resource: ResourceKind, action: Action
    ) -> frozenset[Basis]:
        return _bases(self._loaded, _known_roles(roles), resource, action)

    def compile_read_filter(self, roles: Iterable[str]) -> dict[str, list[str]]:
        """For every resource kind, the bases on which the caller may read it.

        This is the parameter that the one Cypher query per request filters with; kinds
        the caller may not read at all map to an empty list rather than being absent.
        """
        loaded = self._loaded
        known = _known_roles(roles)
        compiled = loaded.read_filters.get(known)
        if compiled is None:
            compiled = tuple(
                (
                    resource.value,
                    tuple(
                        basis.value
                        for basis in Basis
                        if basis in _bases(loaded, known, resource, Action.READ)
                    ),
                )
                for resource in ResourceKind
            )
            _remember(loaded.read_filters, known, compiled)
        return {resource: list(bases) for resource, bases in compiled}

    def decide(
        self,
        roles: Iterable[str],
        resource: ResourceKind,
        action: Action,
        facts: BasisFacts,
    ) -> Decision:
        """The decision for one record, asked of Casbin afresh each time: this is the oracle."""
        known = sorted(_known_roles(roles))
        candidates = [basis for basis in PREFERENCE if facts.holds(basis)]
        enforcer = self._loaded.enforcer
        for basis in [*candidates, Basis.EXISTENCE]:
            for role in known:
                allowed, rule = enforcer.enforce_ex(role, resource.value, action.value, basis.value)
                if allowed:
                    return Decision(allowed=True, basis=basis, policy_line=_policy_line(rule))
        return DENIED


def _bases(
    loaded: _Loaded, known: frozenset[str], resource: ResourceKind, action: Action
) -> frozenset[Basis]:
    key = (known, resource, action)
    cached = loaded.bases.get(key)
    if cached is None:
        cached = frozenset(
            basis
            for basis in Basis
            if any(
                loaded.enforcer.enforce(role, resource.value, action.value, basis.value)
                for role in known
            )
        )
        _remember(loaded.bases, key, cached)
    return cached


_K = TypeVar("_K")
_V = TypeVar("_V")


def _remember(cache: dict[_K, _V], key: _K, value: _V) -> None:
    if len(cache) >= _CACHE_LIMIT:
        cache.clear()
    cache[key] = value
