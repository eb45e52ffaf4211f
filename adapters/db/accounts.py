"""Creating roles and accounts at seeding time (``govcore init``)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from adapters.db.orm import Group, Role, RoleAssignment, User
from govcore.accounts import one_time_password
from govcore.contributions import GroupTemplate, RoleTemplate


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
                   kind: str = "staff") -> str | None:
    """Create the account if missing, returning a one-time password the person must change.

    An existing account that was never used (still on its one-time password) gets a fresh one,
    since only hashes are stored; an account whose owner set a password is left alone (None).
    """
    user = session.scalar(select(User).where(User.login == login))
    if user is not None and not user.must_change_password:
        return None
    password = one_time_password()
    if user is None:
        user = User(login=login, display_name=display_name, kind=kind, is_active=True,
                    created_at=clock.now(), password_hash="")
        session.add(user)
        for role in session.scalars(select(Role).where(Role.name.in_(roles))):
            user.assignments.append(RoleAssignment(role=role))
    user.password_hash = hasher.hash(password)
    user.must_change_password = True
    session.flush()
    return password
