"""The unit of work on SQLAlchemy, zope.sqlalchemy and ``transaction``.

In a request pyramid_tm owns the transaction manager; in the CLI and in jobs
:func:`transactional` opens one. Either way, domain events and after-commit callbacks run only
when the transaction really committed.
"""

from __future__ import annotations

import contextlib
import logging
from typing import TYPE_CHECKING, Any, Callable, Iterator, TypeVar

import transaction as transaction_package
import zope.sqlalchemy
from sqlalchemy.orm import Session, sessionmaker

from adapters.db.engine import begin_writing
from govcore.events import dispatch

if TYPE_CHECKING:  # pragma: no cover
    from govcore.platform import Platform

T = TypeVar("T")
log = logging.getLogger(__name__)

RepositoryFactory = Callable[["SqlUnitOfWork"], Any]  # builds a repository on this UoW


class SqlUnitOfWork:
    def __init__(self, session: Session, manager: transaction_package.TransactionManager, platform: "Platform"):
        self.session = session
        self.manager = manager
        self.platform = platform
        self._events: list[Any] = []
        self._callbacks: list[Callable[[], None]] = []
        self._repositories: dict[type, Any] = {}
        self._hooked_transaction = None

    def repository(self, kind: type[T]) -> T:
        if kind not in self._repositories:
            factories: dict[type, RepositoryFactory] = self.platform.extras["repositories"]
            try:
                factory = factories[kind]
            except KeyError:
                raise LookupError(f"no repository registered for {kind.__qualname__}") from None
            self._repositories[kind] = factory(self)
        return self._repositories[kind]

    def record(self, event: Any) -> None:
        self._events.append(event)
        self._hook()

    def after_commit(self, callback: Callable[[], None]) -> None:
        self._callbacks.append(callback)
        self._hook()

    def _hook(self) -> None:
        txn = self.manager.get()
        if self._hooked_transaction is not txn:
            txn.addAfterCommitHook(self._after_commit)
            self._hooked_transaction = txn

    def _after_commit(self, committed: bool) -> None:
        events, callbacks = self._events, self._callbacks
        self._events, self._callbacks, self._hooked_transaction = [], [], None
        if not committed:
            return
        for callback in callbacks:
            try:
                callback()
            except Exception:  # noqa: BLE001 - the data is saved; a failed side effect is logged
                log.exception("after-commit callback %r failed", callback)
        dispatch(self.platform, events)


def join_session(session_factory: sessionmaker[Session], manager: transaction_package.TransactionManager) -> Session:
    session = session_factory()
    zope.sqlalchemy.register(session, transaction_manager=manager)
    return session


@contextlib.contextmanager
def transactional(platform: "Platform") -> Iterator[SqlUnitOfWork]:
    """One transaction for a CLI command or a job: commit on success, abort on any exception."""
    manager = transaction_package.TransactionManager(explicit=True)
    session = join_session(platform.extras["session_factory"], manager)
    try:
        with manager:
            begin_writing(session)
            yield SqlUnitOfWork(session, manager, platform)
    finally:
        session.close()
