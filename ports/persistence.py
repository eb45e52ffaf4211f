"""The unit of work: one transaction per request, CLI command or job."""

from __future__ import annotations

from typing import Any, Callable, Protocol, TypeVar

T = TypeVar("T")


class UnitOfWork(Protocol):
    """What a service sees of the current transaction.

    Services record domain events and after-commit work here instead of calling out, so a rolled
    back transaction dispatches nothing; they never commit (the request, command or job does).
    """

    def repository(self, kind: type[T]) -> T:
        """The repository implementing the Protocol ``kind`` inside this transaction."""

    def record(self, event: Any) -> None:
        """Queue a domain event, dispatched to ``govcore_on_event`` after a successful commit."""

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` only if and after the transaction commits."""
