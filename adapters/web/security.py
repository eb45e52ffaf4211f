"""The Pyramid security policy: deny by default, permissions from the user's roles."""

from __future__ import annotations

from pyramid.request import Request
from pyramid.security import Allowed, Denied

from govcore.core_plugin import AUTHENTICATED_PERMISSIONS, PUBLIC_PERMISSIONS


class GovcoreSecurityPolicy:
    def identity(self, request: Request):
        return request.current_user

    def authenticated_userid(self, request: Request):
        user = request.current_user
        return user.id if user is not None else None

    def permits(self, request: Request, context, permission: str):
        if permission in PUBLIC_PERMISSIONS:
            return Allowed("public permission")
        user = request.current_user
        if user is None:
            return Denied("not signed in")
        if permission in AUTHENTICATED_PERMISSIONS:
            return Allowed("held by every signed-in user")
        if user.must_change_password:
            # A one-time or reset password opens nothing but the password form.
            return Denied("the one-time password must be changed first")
        if permission in request.user_permissions:
            return Allowed("granted by a role")
        return Denied(f"no role grants {permission}")

    def remember(self, request: Request, userid, **kw):
        # A fresh session on every login, so a session fixed before login is worth nothing after.
        request.session.invalidate()
        request.session["uid"] = userid
        request.session.new_csrf_token()
        return []

    def forget(self, request: Request, **kw):
        request.session.invalidate()
        return []
