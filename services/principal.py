"""The caller of a request, as the graph knows them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Principal:
    professional_id: str
    name: str
    agency_id: str
    agency_kind: str
    team_id: str
    team_service: str
    roles: tuple[str, ...]
    discipline: str = ""

    @property
    def primary_role(self) -> str:
        return self.roles[0] if self.roles else ""
