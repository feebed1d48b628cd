"""What every resolver gets: the caller and the request's services, never a driver or session."""

from __future__ import annotations

from strawberry.fastapi import BaseContext

from services.composition import Services
from services.principal import Principal


class Context(BaseContext):
    def __init__(self, *, services: Services, principal: Principal, request_id: str) -> None:
        super().__init__()
        self.services = services
        self.principal = principal
        self.request_id = request_id
        # Set when a resolver met Neo4j unavailable: the endpoint then answers 503.
        self.graph_unavailable = False
