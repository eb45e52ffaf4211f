"""Creating roles and accounts at seeding time (``govcore init``)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from adapters.db.orm import Role, RoleAssignment, User
from govcore.accounts import one_time_password
from govcore.contributions import RoleTemplate


def ensure_roles(session: Session, templates: dict[str, RoleTemplate]) -> int:
    """Create the roles that do not exist yet; existing roles keep their (possibly edited) permissions."""
    existing = set(session.scalars(select(Role.name)))
    created = 0
    for template in templates.values():
        if template.name not in existing:
            session.add(Role(name=template.name, title=template.title, description=template.description,
                             permissions=list(template.permissions)))
            created += 1
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
