"""Value objects that plugins return from the ``govcore_register_*`` hooks and the core merges."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable


STAFF = "staff"
PUBLIC = "public"


@dataclass(frozen=True)
class Permission:
    """A permission a plugin guards its views and services with, named ``<area>.<verb>``.

    ``audience`` says who may be given it: back-end roles get ``staff`` permissions, front-end
    groups (citizens, enterprises) get ``public`` ones.
    """

    name: str
    title: str  # shown to the security administrator, in Chinese
    description: str = ""
    audience: str = STAFF


@dataclass(frozen=True)
class GroupTemplate:
    """A front-end user group a plugin proposes (公众, 实名用户, 企业用户 …), seeded like roles."""

    name: str
    title: str
    permissions: tuple[str, ...]
    description: str = ""


@dataclass(frozen=True)
class ScopeType:
    """Something a role assignment can be limited to: an org unit subtree, a column subtree.

    ``ancestors(uow, id)`` returns the id itself and the ids above it, nearest first, so that a
    role held on a unit applies to everything beneath it; ``options(uow)`` lists (id, label) pairs
    for the assignment form, labels showing the path (e.g. 示例县 / 城关镇 / 东村).
    """

    name: str
    title: str
    ancestors: Callable[[Any, int], list[int]]
    options: Callable[[Any], list[tuple[int, str]]]


@dataclass(frozen=True)
class RoleTemplate:
    """A back-end role a plugin proposes; the deployment's seed turns it into editable data."""

    name: str
    title: str
    permissions: tuple[str, ...]
    description: str = ""


@dataclass(frozen=True)
class FieldSpec:
    """One field of a content type's schema; counties add fields in ``county.toml``."""

    name: str
    title: str
    kind: str = "text"  # text, textarea, html, date, datetime, number, choice, file, image
    required: bool = False
    choices: tuple[str, ...] = ()
    help: str = ""


@dataclass(frozen=True)
class ContentType:
    """A kind of item a plugin offers, described once so that add forms and views cannot drift."""

    name: str
    title: str
    plugin: str
    fields: tuple[FieldSpec, ...] = ()
    add_permission: str = ""
    description: str = ""


@dataclass(frozen=True)
class MenuEntry:
    """An entry of the staff area's menu. Shown only to users holding ``permission``."""

    title: str
    route_name: str
    permission: str
    section: str = "系统"  # the menu group it appears under
    order: int = 100
    icon: str = ""


@dataclass(frozen=True)
class NavItem:
    """An entry of the public site's main navigation."""

    title: str
    url: str
    children: tuple["NavItem", ...] = ()


@dataclass(frozen=True)
class PortalBlock:
    """A block of the public home page.

    ``render`` is called with the request and returns safe HTML (plugins render their own template).
    Blocks are laid out by ``order``; ``width`` is "full" or "half".
    """

    name: str
    title: str
    render: Callable[[Any], str]
    order: int = 100
    width: str = "half"


@dataclass(frozen=True)
class DashboardWidget:
    """A panel of the staff dashboard, shown to users holding ``permission``."""

    name: str
    title: str
    render: Callable[[Any], str]
    permission: str
    order: int = 100


@dataclass(frozen=True)
class ApiSpecFragment:
    """Part of the OpenAPI document of ``/api/v1``: ``paths`` and ``schemas`` are merged into it."""

    plugin: str
    paths: dict[str, Any] = field(default_factory=dict)
    schemas: dict[str, Any] = field(default_factory=dict)
    tags: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True)
class PersonalDataKind:
    """Personal data a plugin holds about people, and the rules it lives by (个人信息保护法).

    ``export(uow, user_id)`` returns a list of plain dicts (field titles in Chinese as keys,
    JSON-able values; dates may stay dates) with every record of this kind that belongs to the
    account, for the citizen's download.
    ``erase(uow, user_id, now)`` removes or anonymises what may be erased and returns a list of
    sentences (Chinese) naming what must be kept, why and until when; the account itself
    (``core.account``) is erased after every other kind. ``expire(uow, cutoff)`` anonymises the
    records that ended before ``cutoff`` (a date in the county's time zone) and returns how many
    it changed; the period is ``retention_days`` or the county's override of it (see
    :mod:`govcore.retention`), which ``erase`` should apply too.
    ``retention_days`` counts from the end of a record; None means kept while the account exists,
    and such a kind has no ``expire``.

    ``erase`` and ``expire`` change only the database, inside the caller's unit of work (no
    events, no after-commit work, no blob deletions): the deletion pages preview ``erase`` and the
    retention command's dry run preview ``expire`` in a savepoint that is rolled back.
    """

    name: str  # "<plugin>.<records>", e.g. "disclosure.requests"; counties override periods by it
    title: str
    retention_days: int | None
    basis: str  # the legal ground for keeping it, shown to citizens and administrators
    export: Callable[[Any, int], list[dict[str, Any]]]
    erase: Callable[[Any, int, Any], list[str]]
    expire: Callable[[Any, Any], int] | None = None


@dataclass(frozen=True)
class SealKind:
    """A kind of record sealed by content hash when it becomes final (see ``govcore.integrity``).

    ``payload(uow, record_id)`` returns the record's sealed content now, as JSON-able data, or None
    when the record no longer exists; verification hashes it again and compares.
    """

    name: str
    title: str
    payload: Callable[[Any, str], Any]
