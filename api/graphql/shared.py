"""The types every part of the GraphQL contract shares: a page, an item's access, a refusal.

Every list is a connection of one shape, `{ items pageInfo { endCursor hasNextPage } }`,
asked for with a required `first` and an optional `after`; the cursor is opaque (see
`services.paging`). Every readable item carries `access`. Every expected failure is a
type implementing `Refusal`, told apart by `__typename`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Generic, Protocol, Self, TypeVar, overload

import strawberry

from api.graphql.enums import Basis
from graph.access_rules import CONTENT_BASES

T = TypeVar("T")
S = TypeVar("S")
S_co = TypeVar("S_co", covariant=True)

_CONTENT_BASES = frozenset(CONTENT_BASES)


@strawberry.interface(description="An expected failure: why the request was not done, in words for the person asking.")
class Refusal:
    message: str


@strawberry.type
class PageInfo:
    end_cursor: str | None = strawberry.field(
        description="Pass as `after` for the next page; null when this page is empty."
    )
    has_next_page: bool


class Paged(Protocol[S_co]):
    """A page as a use case returns it (`services.paging.Page`, or one shaped like it)."""

    @property
    def items(self) -> Sequence[S_co]: ...

    @property
    def end_cursor(self) -> str | None: ...

    @property
    def has_next_page(self) -> bool: ...


@strawberry.type
class Connection(Generic[T]):
    items: list[T]
    page_info: PageInfo

    @classmethod
    def of(cls, page: Paged[S], show: Callable[[S], T]) -> Self:
        return cls(
            items=[show(item) for item in page.items],
            page_info=PageInfo(end_cursor=page.end_cursor, has_next_page=page.has_next_page),
        )


@strawberry.type
class Access:
    allowed: bool
    basis: Basis | None
    reason: str


def access_for(basis: str | None) -> Access:
    if basis in _CONTENT_BASES:
        return Access(allowed=True, basis=Basis(basis), reason=f"allowed on the {basis} basis")
    if basis == Basis.EXISTENCE:
        return Access(
            allowed=False, basis=Basis.EXISTENCE,
            reason="existence only: no consent, approved override or allocation covers your agency",
        )
    return Access(allowed=False, basis=None, reason="no basis: nothing here you may see")


@overload
def aware(moment: dt.datetime) -> dt.datetime: ...


@overload
def aware(moment: None) -> None: ...


def aware(moment: dt.datetime | None) -> dt.datetime | None:
    """A time as the services take it: one without a zone is taken as UTC, since the API speaks UTC."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)
    return moment
