"""Prometheus metrics for the API, kept in the app's own registry, and who may read them."""

from __future__ import annotations

import hmac
from collections.abc import Sequence
from dataclasses import dataclass, field
from ipaddress import IPv4Network, IPv6Address, IPv6Network, ip_address

from prometheus_client import CollectorRegistry, Counter, Histogram

# Series are labelled by route template, never by the path asked for: anyone may ask for
# any path, and each distinct label value is a series kept for the life of the process.
UNMATCHED_ROUTE = "unmatched"
OTHER_METHOD = "other"
_KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def method_label(method: str) -> str:
    return method if method in _KNOWN_METHODS else OTHER_METHOD


@dataclass
class Metrics:
    registry: CollectorRegistry = field(default_factory=CollectorRegistry)
    requests: Counter = field(init=False)
    latency: Histogram = field(init=False)

    def __post_init__(self) -> None:
        self.requests = Counter(
            "hub_http_requests_total", "HTTP requests by route and status",
            ["method", "route", "status"], registry=self.registry,
        )
        self.latency = Histogram(
            "hub_http_request_seconds", "HTTP request latency by route",
            ["method", "route"], registry=self.registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
        )


@dataclass(frozen=True)
class ScraperAllowList:
    """Who may read /metrics: a client address in one of the networks and, when a token is
    configured, that token as the bearer. Route counts and latencies say what the hub is
    doing and when, which is nobody else's business."""

    networks: Sequence[IPv4Network | IPv6Network]
    token: str | None = None

    def allows(self, client_host: str | None, authorization: str | None) -> bool:
        return self._address_allowed(client_host) and self._token_matches(authorization)

    def _address_allowed(self, client_host: str | None) -> bool:
        try:
            address = ip_address(client_host or "")
        except ValueError:
            # No address (a Unix socket) or a name: nothing an allow list can vouch for.
            return False
        if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
            # A dual-stack listener sees IPv4 scrapers as ::ffff:a.b.c.d.
            address = address.ipv4_mapped
        return any(address in network for network in self.networks)

    def _token_matches(self, authorization: str | None) -> bool:
        if self.token is None:
            return True
        scheme, _, offered = (authorization or "").partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(offered.strip().encode(), self.token.encode())
