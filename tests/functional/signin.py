"""Signing test users in whatever their roles: the three administrators must give a second factor.

``make_user`` and ``login`` (adapters.testing.pytest_plugin) make and sign in an account; the
holders of 系统管理员, 安全管理员 and 审计管理员 must moreover use TOTP, so these helpers give
such accounts a known secret and answer the code prompt.
"""

from __future__ import annotations

import re

import pyotp
from sqlalchemy import select

from adapters.db.orm import Group, Role, RoleAssignment, User
from govcore.core_plugin import SEPARATED_ADMIN_ROLES

TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def person(dbsession, make_user, login: str, roles=(), *, kind: str = "staff", groups=(),
           scope: tuple[str, int] | None = None) -> User:
    """An account holding ``roles`` (all limited to ``scope`` when given) and in ``groups``."""
    user = make_user(login, kind=kind)
    user = dbsession.get(User, user.id)
    for name in roles:
        role = dbsession.scalar(select(Role).where(Role.name == name))
        user.assignments.append(RoleAssignment(role=role, scope_type=scope[0] if scope else None,
                                               scope_id=scope[1] if scope else None))
    user.groups = list(dbsession.scalars(select(Group).where(Group.name.in_(groups))))
    if SEPARATED_ADMIN_ROLES.intersection(roles):
        user.totp_secret, user.totp_enabled = TOTP_SECRET, True
    dbsession.commit()
    return user


def sign_in(testapp, login, user: User):
    """Sign in with the password, then with the TOTP code when the site asks for one."""
    response = login(user.login)
    if "/login/totp" in response.location:
        page = testapp.get(response.location)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        response = testapp.post("/login/totp", {"code": pyotp.TOTP(TOTP_SECRET).now(), "csrf_token": token,
                                                "came_from": ""})
        assert response.status_int == 302 and "/login" not in response.location, response.text
    return response


def page_form(page):
    """The page's own form: the first one that is not the site search in the header."""
    return next(form for form in page.forms.values() if form.action != "/search")
