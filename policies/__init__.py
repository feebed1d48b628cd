"""The access policy as data (model.conf + policy.csv) and the code that asks it questions."""

from policies.engine import (
    DENIED,
    MODEL_PATH,
    POLICY_PATH,
    PREFERENCE,
    BasisFacts,
    Decision,
    Policy,
    PolicyError,
    load_enforcer,
)
from policies.kinds import RECORD_KINDS, Action, Basis, ResourceKind, record_kind_for

__all__ = [
    "DENIED",
    "MODEL_PATH",
    "POLICY_PATH",
    "PREFERENCE",
    "RECORD_KINDS",
    "Action",
    "Basis",
    "BasisFacts",
    "Decision",
    "Policy",
    "PolicyError",
    "ResourceKind",
    "load_enforcer",
    "record_kind_for",
]
