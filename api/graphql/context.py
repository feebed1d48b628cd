"""What every resolver gets: the caller and the request's services, never a driver or session."""

from __future__ import annotations

from dataclasses import dataclass

from strawberry.fastapi import BaseContext

from api.services.auditor import AuditorService
from api.services.consent import ConsentService
from api.services.contacts import ContactService
from api.services.grants import GrantService
from api.services.network import NetworkService
from api.services.principal import Principal
from api.services.search import SearchService
from api.services.workbook import WorkbookService
from protection.keyring import Keyring


@dataclass
class Services:
    network: NetworkService
    consent: ConsentService
    # Field encryption for the services that write or read encrypted content.
    keyring: Keyring
    # The front door's workflow and people search; optional so tools that need only the
    # network (benchmarks, profiles) can build the services without them.
    contacts: ContactService | None = None
    search: SearchService | None = None
    # The auditor's view; optional for the same reason.
    auditor: AuditorService | None = None
    # The Family Safeguarding workbook; optional for the same reason.
    workbook: WorkbookService | None = None
    # Break glass and restricted children; optional for the same reason.
    grants: GrantService | None = None


class Context(BaseContext):
    def __init__(self, *, services: Services, principal: Principal, request_id: str) -> None:
        super().__init__()
        self.services = services
        self.principal = principal
        self.request_id = request_id
        # Set when a resolver met Neo4j unavailable: the endpoint then answers 503.
        self.graph_unavailable = False
