"""What every resolver gets: the request's services, never a raw driver or session."""

from __future__ import annotations

from dataclasses import dataclass

from strawberry.fastapi import BaseContext

from api.services.network import NetworkService


@dataclass
class Services:
    network: NetworkService


class Context(BaseContext):
    def __init__(self, *, services: Services, request_id: str) -> None:
        super().__init__()
        self.services = services
        self.request_id = request_id
