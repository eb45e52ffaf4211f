"""Domain events: small frozen records of what happened, dispatched to plugins after commit."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable

if TYPE_CHECKING:  # pragma: no cover
    from govcore.platform import Platform

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DomainEvent:
    """Base of every event. Subclasses are named in the past tense (``ItemPublished``)."""


def dispatch(platform: "Platform", events: Iterable[DomainEvent]) -> None:
    """Hand each committed event to every plugin's ``govcore_on_event``.

    The transaction has committed already, so a failing reaction is logged rather than raised: it
    must not make a caller believe that what was saved was not.
    """
    for event in events:
        for impl in platform.plugins.hook.govcore_on_event.get_hookimpls():
            try:
                impl.function(**{name: {"event": event, "platform": platform}[name] for name in impl.argnames})
            except Exception:  # noqa: BLE001 - one plugin's failure must not stop the others
                log.exception("plugin %s failed to handle %r", impl.plugin_name, event)
