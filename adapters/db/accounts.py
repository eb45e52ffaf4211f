"""Creating roles and accounts at seeding time (``govcore init``), and the demo county's people."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from adapters.db.orm import Group, OrgUnit, Role, RoleAssignment, User
from govcore.accounts import one_time_password
from govcore.contributions import GroupTemplate, RoleTemplate
from govcore.core_plugin import (
    AUDIT_ADMIN_ROLE,
    DEPARTMENT_ADMIN_ROLE,
    ENTERPRISE_GROUP,
    ORG_UNIT_SCOPE,
    PUBLIC_GROUP,
    SECURITY_ADMIN_ROLE,
    SYSTEM_ADMIN_ROLE,
    UNIT_LEADER_ROLE,
)


def ensure_roles(session: Session, templates: dict[str, RoleTemplate]) -> int:
    """Create missing roles, and give existing ones the permissions plugins newly propose.

    A permission an administrator removed from a role stays removed: only permissions proposed
    since the last seeding (say, by a plugin the county just enabled) are added.
    """
    return _ensure(session, Role, templates)


def ensure_groups(session: Session, templates: dict[str, GroupTemplate]) -> int:
    """The same for front-end user groups."""
    return _ensure(session, Group, templates)


def _ensure(session: Session, model, templates) -> int:
    existing = {row.name: row for row in session.scalars(select(model))}
    created = 0
    for template in templates.values():
        row = existing.get(template.name)
        if row is None:
            session.add(model(name=template.name, title=template.title, description=template.description,
                              permissions=list(template.permissions), builtin=True,
                              **({"seeded_permissions": list(template.permissions)} if model is Role else {})))
            created += 1
        elif model is Role:
            new = [p for p in template.permissions if p not in row.seeded_permissions]
            if new:
                row.permissions = row.permissions + [p for p in new if p not in row.permissions]
                row.seeded_permissions = row.seeded_permissions + new
    session.flush()
    return created


def ensure_account(session: Session, hasher, clock, login: str, display_name: str, roles: list[str],
                   kind: str = "staff", *, scope: tuple[str, int] | None = None, groups: tuple[str, ...] = (),
                   org_unit_id: int | None = None, email: str | None = None,
                   credit_code: str | None = None) -> str | None:
    """Create the account if missing, returning a one-time password the person must change.

    A new account gets ``roles`` (all limited to ``scope`` when given) and ``groups``. An
    existing account that was never used (still on its one-time password) gets a fresh password,
    since only hashes are stored; an account whose owner set a password is left alone (None).
    """
    user = session.scalar(select(User).where(User.login == login))
    if user is not None and not user.must_change_password:
        return None
    password = one_time_password()
    if user is None:
        user = User(login=login, display_name=display_name, kind=kind, is_active=True, created_at=clock.now(),
                    password_hash="", org_unit_id=org_unit_id, email=email, credit_code=credit_code)
        session.add(user)
        scope_type, scope_id = scope if scope is not None else (None, None)
        for role in session.scalars(select(Role).where(Role.name.in_(roles)).order_by(Role.id)):
            user.assignments.append(RoleAssignment(role=role, scope_type=scope_type, scope_id=scope_id))
        user.groups = list(session.scalars(select(Group).where(Group.name.in_(groups)).order_by(Group.id)))
    user.password_hash = hasher.hash(password)
    user.must_change_password = True
    session.flush()
    return password


# The demo county's organisation, created only where the database has no units at all:
# (name, kind, children); the county at the top takes the county's own name.
DEMO_UNITS = [
    ("县政府办公室", "department", []),
    ("城关镇", "township", [("东关村", "village", [])]),
]
DEMO_OFFICE, DEMO_TOWNSHIP, DEMO_VILLAGE = "县政府办公室", "城关镇", "东关村"
# A valid 统一社会信用代码 (GB 32100-2015, check character included) of no real enterprise.
DEMO_CREDIT_CODE = "91350100M000100Y43"


@dataclass(frozen=True)
class DemoAccount:
    """One person of the demo county: a built-in role's holder, a citizen or an enterprise."""

    title: str  # what ``govcore init`` prints before the sign-in name
    login: str
    display_name: str
    roles: tuple[str, ...] = ()
    scope_unit: str | None = None  # the demo unit the roles are limited to, by name
    unit: str | None = None  # the demo unit the person works in, by name
    kind: str = "staff"
    groups: tuple[str, ...] = ()
    email: str | None = None
    credit_code: str | None = None


# Sign-in names of the built-in roles' demo holders, and the units their roles are limited to.
# ``admin`` (created by init on every deployment) is the demo's system administrator.
DEMO_STAFF = {
    SECURITY_ADMIN_ROLE: ("demo-secadmin", None, DEMO_OFFICE),
    AUDIT_ADMIN_ROLE: ("demo-auditor", None, DEMO_OFFICE),
    DEPARTMENT_ADMIN_ROLE: ("demo-deptadmin", DEMO_OFFICE, DEMO_OFFICE),
    # Unscoped: the leader of every unit, so each step of the shipped procedures finds somebody.
    UNIT_LEADER_ROLE: ("demo-unit-leader", None, DEMO_OFFICE),
    "editor": ("demo-editor", None, DEMO_OFFICE),
    "responsible_editor": ("demo-resp-editor", None, DEMO_OFFICE),
    "chief_editor": ("demo-chief-editor", None, DEMO_OFFICE),
    "editor_in_chief": ("demo-editor-in-chief", None, DEMO_OFFICE),
    "village_admin": ("demo-village-admin", DEMO_VILLAGE, DEMO_VILLAGE),
    "township_reviewer": ("demo-township-reviewer", DEMO_TOWNSHIP, DEMO_TOWNSHIP),
}


def demo_accounts(roles: dict[str, RoleTemplate]) -> list[DemoAccount]:
    """One account per built-in role the enabled plugins declare, then a citizen and an enterprise.

    A role a third-party plugin adds gets a holder too, named after it, so the demo shows every
    role the county has.
    """
    accounts = []
    for name, template in roles.items():
        if name == SYSTEM_ADMIN_ROLE:
            continue
        login, scope_unit, unit = DEMO_STAFF.get(name, ("demo-" + name.replace("_", "-"), None, DEMO_OFFICE))
        accounts.append(DemoAccount(template.title, login, f"示例{template.title}", (name,), scope_unit, unit))
    accounts.append(DemoAccount("公众用户", "demo-citizen@example.com", "示例公众", kind="citizen",
                                groups=(PUBLIC_GROUP,), email="demo-citizen@example.com"))
    accounts.append(DemoAccount("企业用户", "demo-enterprise@example.com", "示例企业有限公司", kind="enterprise",
                                groups=(ENTERPRISE_GROUP,), email="demo-enterprise@example.com",
                                credit_code=DEMO_CREDIT_CODE))
    return accounts


def ensure_demo_units(session: Session, county_name: str) -> int:
    """Create the demo organisation tree when the database has no org units yet; returns how many."""
    if session.scalar(select(func.count()).select_from(OrgUnit)):
        return 0
    county = OrgUnit(name=county_name, kind="county", position=0, disabled=False)
    session.add(county)
    session.flush()
    return 1 + _add_units(session, county.id, DEMO_UNITS)


def _add_units(session: Session, parent_id: int, specs) -> int:
    created = 0
    for position, (name, kind, children) in enumerate(specs):
        unit = OrgUnit(parent_id=parent_id, name=name, kind=kind, position=position, disabled=False)
        session.add(unit)
        session.flush()
        created += 1 + _add_units(session, unit.id, children)
    return created


DEMO_UNIT_KINDS = {DEMO_OFFICE: "department", DEMO_TOWNSHIP: "township", DEMO_VILLAGE: "village"}


def _unit_id(session: Session, name: str | None) -> int | None:
    """The demo unit of that name or, in a county's own tree that lacks it, the first of its kind."""
    if name is None:
        return None
    for condition in (OrgUnit.name == name, OrgUnit.kind == DEMO_UNIT_KINDS[name]):
        found = session.scalar(select(OrgUnit.id).where(condition, OrgUnit.disabled.is_(False))
                               .order_by(OrgUnit.id).limit(1))
        if found is not None:
            return found
    return None


def ensure_demo_accounts(session: Session, hasher, clock,
                         roles: dict[str, RoleTemplate]) -> list[tuple[str, str, str | None]]:
    """The demo county's units and people; (title, login, one-time password or None) per account.

    Call :func:`ensure_demo_units` first, so the scoped roles find their units. Idempotent like
    :func:`ensure_account`: re-running creates nothing twice and renews only passwords never used.
    """
    printed = []
    for account in demo_accounts(roles):
        scope = None
        if account.scope_unit is not None:
            scope_id = _unit_id(session, account.scope_unit)
            if scope_id is None:
                # A county tree without such a unit: better no demo holder than one holding the role everywhere.
                continue
            scope = (ORG_UNIT_SCOPE, scope_id)
        password = ensure_account(
            session, hasher, clock, account.login, account.display_name, list(account.roles), account.kind,
            scope=scope, groups=account.groups, org_unit_id=_unit_id(session, account.unit),
            email=account.email, credit_code=account.credit_code,
        )
        printed.append((account.title, account.login, password))
    return printed
