"""The Pyramid security policy: deny by default; roles (optionally scoped) and groups grant.

A role assignment limited to a scope (an org unit or a column subtree) grants its permissions on
objects inside that scope. A view passes such an object as the context: anything with a
``govcore_scope`` attribute holding ``(scope type, id)``. Without a scoped context, a permission
held anywhere is enough to open the view, and the view shows only what
``request.permission_scopes(permission)`` allows.
"""

from __future__ import annotations

from pyramid.request import Request
from pyramid.security import Allowed, Denied

from govcore.core_plugin import AUTHENTICATED_PERMISSIONS, PUBLIC_PERMISSIONS, STAFF_PERMISSIONS


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
        if request.session.get("second_factor_pending"):
            return Denied("the second factor has not been given yet")
        if permission in STAFF_PERMISSIONS:
            if user.kind == "staff":
                return Allowed("held by every staff member")
            return Denied("staff only")
        grants = request.user_grants
        if permission in grants.everywhere:
            return Allowed("granted by a role or group")
        scopes = grants.scoped.get(permission)
        if not scopes:
            return Denied(f"no role grants {permission}")
        target = getattr(context, "govcore_scope", None)
        if target is None:
            return Allowed("granted within a scope; the view limits what it shows")
        scope_type, object_id = target
        wanted = {scope_id for kind, scope_id in scopes if kind == scope_type}
        if wanted and wanted.intersection(request.scope_ancestors(scope_type, object_id)):
            return Allowed(f"granted within {scope_type}")
        return Denied(f"{permission} is granted only outside this {scope_type}")

    def remember(self, request: Request, userid, **kw):
        # A fresh session on every login, so a session fixed before login is worth nothing after.
        request.session.invalidate()
        request.session["uid"] = userid
        request.session.new_csrf_token()
        return []

    def forget(self, request: Request, **kw):
        request.session.invalidate()
        return []
