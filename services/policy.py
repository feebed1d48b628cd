"""Keeping this process's policy at the revision the graph says is in force."""

from __future__ import annotations

import logging

from neo4j import Driver
from neo4j.exceptions import Neo4jError

from graph import policy_store
from policies import Policy, PolicyError
from services.errors import HubError

log = logging.getLogger("hub.policy")


class PolicyUnavailable(HubError):
    """The policy in force could not be read or used, so nothing is decided (fail closed)."""

    status = 503
    code = "policy_unavailable"


class PolicySync:
    def __init__(self, driver: Driver, policy: Policy, *, database: str) -> None:
        self._driver = driver
        self._policy = policy
        self._database = database

    def ensure(self, revision_in_force: str | None) -> None:
        """Adopts the graph's revision when it differs from the one this process holds.

        No stored revision means no policy was ever loaded into the graph: the files this
        process started with are the policy.
        """
        if revision_in_force is None or revision_in_force == self._policy.revision:
            return
        try:
            with self._driver.session(database=self._database) as session:
                stored = session.execute_read(policy_store.current_policy)
            if stored is None:
                raise PolicyUnavailable("the policy revision in force is not in the graph")
            adopted = self._policy.adopt(stored.model_text, stored.policy_text)
        except (PolicyError, Neo4jError) as error:
            log.error("policy revision %s could not be adopted: %s", revision_in_force, type(error).__name__)
            raise PolicyUnavailable("the access policy in force could not be loaded") from error
        log.info("policy revision adopted", extra={"revision": adopted})


def load_policy(driver: Driver, policy: Policy, *, database: str, loaded_by: str) -> tuple[str, str | None]:
    """Stores the revision `policy` holds as the one in force; returns (new, previous)."""
    model_text, policy_text = policy.texts
    with driver.session(database=database) as session:
        previous = session.execute_write(
            policy_store.store_revision, revision=policy.revision, model_text=model_text,
            policy_text=policy_text, loaded_by=loaded_by,
        )
    return policy.revision, previous


def policy_in_force(driver: Driver, *, database: str) -> Policy:
    """The policy the graph says is in force, for a command that decides as the API would; the
    files' own when none was ever loaded. Raises PolicyError if the stored revision is unusable."""
    policy = Policy()
    with driver.session(database=database) as session:
        stored = session.execute_read(policy_store.current_policy)
    if stored is not None:
        policy.adopt(stored.model_text, stored.policy_text)
    return policy
