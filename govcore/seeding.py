"""What a plugin's ``govcore_seed`` hook receives."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

from govcore.county import CountyConfig
from ports.clock import Clock

if TYPE_CHECKING:  # pragma: no cover
    from govcore.platform import Platform


@dataclass
class SeedContext:
    uow: Any  # the unit of work of the seeding transaction (ports.persistence.UnitOfWork)
    county: CountyConfig
    demo: bool
    clock: Clock
    report: Callable[[str], None] = print  # where a plugin says what it created, for the CLI
    accounts: list[tuple[str, str, str]] = field(default_factory=list)  # (role title, login, password) to print
    # The whole platform, for seeds that run services (demo cases through the workflow engine).
    # Seeds run after the organisation tree, the roles and (in a demo) the demo accounts exist.
    platform: "Platform | None" = None
