"""The composition root: settings in, the driver, policy, keys, audit trail and every service out.

The app, the CLI, the benchmarks and the tests all build the hub here, so a service is wired
one way everywhere and none is ever missing from what a request is given.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from neo4j import Driver

from config.settings import Settings
from graph.driver import connect
from policies import Policy
from policies.retention import load_schedule
from protection.audit_trail import AuditTrail
from protection.keyring import Keyring
from services.audit_review import AuditorService
from services.caseload import CaseloadService
from services.consent import ConsentService
from services.contacts import ContactService, DueTimes
from services.disclosures import DisclosureService
from services.grants import GrantService
from services.health import HealthProbe
from services.key_material import audit_signing_key, keyring
from services.management_information import ManagementInformationService
from services.network import NetworkService
from services.policy import PolicySync
from services.replay import ReplayService
from services.retention import RetentionService
from services.search import SearchService
from services.subject_access import SubjectAccessService
from services.workbook import WorkbookService
from services.workforce import WorkforceService
from services.worklists import WorklistService


@dataclass(frozen=True)
class Services:
    """Every use case a face may call; all of them, always."""

    network: NetworkService
    replay: ReplayService
    consent: ConsentService
    contacts: ContactService
    search: SearchService
    auditor: AuditorService
    workbook: WorkbookService
    grants: GrantService
    worklists: WorklistService
    caseload: CaseloadService
    management_information: ManagementInformationService
    workforce: WorkforceService
    subject_access: SubjectAccessService
    retention: RetentionService
    disclosures: DisclosureService
    # Field encryption, for the faces that show decrypted content the services returned sealed.
    keyring: Keyring


@dataclass(frozen=True)
class Hub:
    """The assembled hub: its parts, and whether closing it closes the driver."""

    settings: Settings
    driver: Driver
    policy: Policy
    trail: AuditTrail
    services: Services
    policy_sync: PolicySync
    health: HealthProbe
    owns_driver: bool

    def close(self) -> None:
        if self.owns_driver:
            self.driver.close()


def connect_driver(settings: Settings) -> Driver:
    """The driver with the timeouts configured, so an outage is reported rather than waited on."""
    return connect(
        settings.neo4j_uri, settings.neo4j_user, settings.neo4j_password.get_secret_value(),
        connection_timeout=settings.neo4j_connection_timeout_seconds,
        acquisition_timeout=settings.neo4j_acquisition_timeout_seconds,
        transaction_retry=settings.neo4j_transaction_retry_seconds,
    )


def audit_trail(settings: Settings) -> AuditTrail:
    return AuditTrail(
        audit_signing_key(settings),
        checkpoint_every=settings.audit_checkpoint_every,
        checkpoint_seconds=settings.audit_checkpoint_seconds,
        database=settings.neo4j_database,
        checkpoint_log=settings.audit_checkpoint_log,
    )


def assemble(
    settings: Settings,
    *,
    driver: Driver | None = None,
    policy: Policy | None = None,
    consent_clock: Callable[[], datetime] | None = None,
) -> Hub:
    """Builds the hub; a driver passed in is borrowed (not closed by `Hub.close`)."""
    neo4j_driver = driver or connect_driver(settings)
    database = settings.neo4j_database
    access_policy = policy or Policy()
    trail = audit_trail(settings)
    field_keys = keyring(settings)
    services = Services(
        network=NetworkService(
            neo4j_driver, database=database, policy=access_policy, audit_sink=trail, keyring=field_keys,
        ),
        replay=ReplayService(neo4j_driver, database=database, policy=access_policy, audit_sink=trail),
        consent=ConsentService(
            neo4j_driver, database=database, policy=access_policy, audit_sink=trail, keyring=field_keys,
            override_valid_hours=settings.override_valid_hours,
            **({"clock": consent_clock} if consent_clock is not None else {}),
        ),
        contacts=ContactService(
            neo4j_driver, database=database, policy=access_policy, audit_sink=trail, keyring=field_keys,
            due_times=DueTimes(
                red_hours=settings.contact_due_red_hours, amber_hours=settings.contact_due_amber_hours,
                green_working_days=settings.contact_due_green_working_days,
            ),
            received_window=timedelta(days=settings.contact_received_window_days),
        ),
        search=SearchService(neo4j_driver, database=database, policy=access_policy, audit_sink=trail),
        auditor=AuditorService(
            neo4j_driver, database=database, policy=access_policy, trail=trail, keyring=field_keys,
        ),
        workbook=WorkbookService(
            neo4j_driver, database=database, policy=access_policy, audit_sink=trail, keyring=field_keys,
        ),
        grants=GrantService(
            neo4j_driver, database=database, policy=access_policy, audit_sink=trail, keyring=field_keys,
            break_glass_hours=settings.break_glass_hours,
        ),
        # The consent service's clock: the list shows what decideOverride would let the caller decide.
        worklists=WorklistService(
            neo4j_driver, database=database, policy=access_policy, audit_sink=trail, keyring=field_keys,
            **({"clock": consent_clock} if consent_clock is not None else {}),
        ),
        caseload=CaseloadService(neo4j_driver, database=database, policy=access_policy, audit_sink=trail),
        management_information=ManagementInformationService(neo4j_driver, database=database, policy=access_policy),
        workforce=WorkforceService(neo4j_driver, database=database, policy=access_policy, audit_sink=trail),
        subject_access=SubjectAccessService(
            neo4j_driver, database=database, policy=access_policy, audit_sink=trail, keyring=field_keys,
        ),
        retention=RetentionService(
            neo4j_driver, database=database, policy=access_policy, audit_sink=trail, keyring=field_keys,
            schedule=load_schedule(),
        ),
        disclosures=DisclosureService(neo4j_driver, database=database, policy=access_policy, audit_sink=trail),
        keyring=field_keys,
    )
    return Hub(
        settings=settings, driver=neo4j_driver, policy=access_policy, trail=trail, services=services,
        policy_sync=PolicySync(neo4j_driver, access_policy, database=database),
        health=HealthProbe(neo4j_driver, database=database, timeout_seconds=settings.health_timeout_seconds,
                           cache_seconds=settings.health_cache_seconds),
        owns_driver=driver is None,
    )
