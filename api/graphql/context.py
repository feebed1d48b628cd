"""What every resolver gets: the caller and the request's services, never a driver or session."""

from __future__ import annotations

from strawberry.fastapi import BaseContext

from services.composition import Services
from services.principal import Caller, Principal


class Context(BaseContext):
    def __init__(self, *, services: Services, caller: Caller, request_id: str) -> None:
        super().__init__()
        self.services = services
        self.caller = caller
        self.request_id = request_id
        # Set when a resolver met Neo4j unavailable: the endpoint then answers 503.
        self.graph_unavailable = False

    @property
    def principal(self) -> Principal:
        """The caller as the graph records them, read on first use; Unauthenticated if nobody.
        The endpoint reads them after the operation if no resolver did, so an unknown caller's
        request is refused however little it asked (api/graphql/router.py)."""
        return self.caller.principal()
