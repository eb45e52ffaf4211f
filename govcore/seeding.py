"""What a plugin's ``govcore_seed`` hook receives."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from govcore.county import CountyConfig
from ports.clock import Clock


@dataclass
class SeedContext:
    uow: Any  # the unit of work of the seeding transaction (ports.persistence.UnitOfWork)
    county: CountyConfig
    demo: bool
    clock: Clock
    report: Callable[[str], None] = print  # where a plugin says what it created, for the CLI
    accounts: list[tuple[str, str, str]] = field(default_factory=list)  # (role title, login, password) to print
