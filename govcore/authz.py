"""Rules for roles, groups and who may hold what. Framework-free.

三员分立: the system, security and audit administrators keep each other in check, so no person
may carry the duties of two of them. A duty is carried by the administrator role itself or by
any role holding the permission that defines it (a 部门管理员 manages accounts, which is the
system administrator's duty), so the rule cannot be dodged with a look-alike role.

Permissions have an audience: back-end roles take ``staff`` permissions, front-end groups take
``public`` ones, and the permissions everybody holds without asking are never assignable.

Messages are Simplified Chinese templates with ``${name}`` placeholders and a mapping, so the web
layer translates each as one catalogue entry.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass, field
from typing import Iterable, Mapping

from govcore.contributions import STAFF, Permission
from govcore.core_plugin import (
    AUDIT_ADMIN_ROLE,
    AUDIT_READ,
    AUTHENTICATED_PERMISSIONS,
    PUBLIC_PERMISSIONS,
    ROLES_MANAGE,
    SECURITY_ADMIN_ROLE,
    SEPARATED_ADMIN_ROLES,
    STAFF_PERMISSIONS,
    SYSTEM_ADMIN_ROLE,
    USERS_MANAGE,
)
from govcore.errors import ValidationError
from govcore.i18n import _



# The permission that defines each separated administrator's duty.
DUTY_PERMISSIONS = {
    SYSTEM_ADMIN_ROLE: USERS_MANAGE,
    SECURITY_ADMIN_ROLE: ROLES_MANAGE,
    AUDIT_ADMIN_ROLE: AUDIT_READ,
}
DUTY_TITLES = {
    SYSTEM_ADMIN_ROLE: _("系统管理员"),
    SECURITY_ADMIN_ROLE: _("安全管理员"),
    AUDIT_ADMIN_ROLE: _("审计管理员"),
}

NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,63}$")
TITLE_MAX = 100
DESCRIPTION_MAX = 500


@dataclass(frozen=True)
class Message:
    """A message for people: a Chinese template with ``${name}`` placeholders, and their values."""

    template: str
    mapping: dict[str, str] = field(default_factory=dict)

    def text(self) -> str:
        return string.Template(self.template).safe_substitute(self.mapping)


@dataclass(frozen=True)
class RoleFacts:
    """What the rules need to know of a role: its name, title and permissions."""

    name: str
    title: str
    permissions: frozenset[str]


def duties(role: RoleFacts) -> tuple[str, ...]:
    """The administrator duties ``role`` carries, as role names, in the order system, security, audit."""
    return tuple(admin for admin, permission in DUTY_PERMISSIONS.items()
                 if role.name == admin or permission in role.permissions)


def _separation_message(first: str, second: str) -> Message:
    return Message(_("三员分立：“${first}”与“${second}”的职责不能由同一人承担"), {"first": first, "second": second})


class SeparationOfDuties(ValidationError):
    """Holding these roles together would break 三员分立; the message names both roles."""

    def __init__(self, first: str, second: str):
        self.message = _separation_message(first, second)
        super().__init__(self.message.text(), f"separation of duties: {first} and {second} cannot be held by one person")
        self.roles = (first, second)


def separation_conflict(roles: Iterable[RoleFacts]) -> tuple[str, str] | None:
    """Two titles whose duties clash among ``roles`` (all held by one person), or None.

    A single role carrying two duties clashes with itself; it is then named by the two
    administrator titles whose duties it mixes.
    """
    carriers: dict[str, RoleFacts] = {}
    for role in roles:
        carried = duties(role)
        if len(carried) > 1:
            return DUTY_TITLES[carried[0]], DUTY_TITLES[carried[1]]
        for duty in carried:
            for other_duty, other in carriers.items():
                if other_duty != duty:
                    return other.title, role.title
            carriers.setdefault(duty, role)
    return None


def check_separation(roles: Iterable[RoleFacts]) -> None:
    """Raise :class:`SeparationOfDuties` when one person holding ``roles`` would break 三员分立."""
    conflict = separation_conflict(roles)
    if conflict is not None:
        raise SeparationOfDuties(*conflict)


def assignable(catalogue: Mapping[str, Permission], audience: str) -> dict[str, Permission]:
    """The permissions a role (``staff``) or a group (``public``) may be given.

    The ones every visitor or every signed-in user holds anyway are left out: giving them means
    nothing, and taking them away is impossible.
    """
    implicit = PUBLIC_PERMISSIONS | AUTHENTICATED_PERMISSIONS | STAFF_PERMISSIONS
    return {name: p for name, p in catalogue.items() if p.audience == audience and name not in implicit}


def permission_areas(declared: Iterable[tuple[str, Iterable[Permission]]],
                     audience: str) -> list[tuple[str, list[Permission]]]:
    """The assignable permissions grouped by area, for the edit form.

    ``declared`` holds (area title, permissions) pairs, one per declaring plugin in plugin order;
    areas without an assignable permission are left out, and each lists its permissions by name.
    """
    areas = []
    for title, permissions in declared:
        chosen = assignable({p.name: p for p in permissions}, audience)
        if chosen:
            areas.append((title, sorted(chosen.values(), key=lambda p: p.name)))
    return areas


@dataclass(frozen=True)
class RoleDraft:
    """A role or group as an administrator submitted it, before it is stored."""

    name: str
    title: str
    description: str
    permissions: frozenset[str]


def validate_draft(draft: RoleDraft, catalogue: Mapping[str, Permission], audience: str, *,
                   new: bool, taken_names: Iterable[str] = ()) -> dict[str, Message]:
    """What is wrong with a submitted role (``staff``) or group (``public``), by form field.

    Checks the name of a new one (existing names never change: code and seeding refer to them),
    the title and description, that every permission exists and suits the audience, and, for a
    role, 三员分立: it may not mix two administrators' duties, and a separated administrator role
    keeps the permission that defines its duty (else nobody could, say, manage roles any more).
    """
    errors: dict[str, Message] = {}
    if new:
        if not NAME_PATTERN.match(draft.name):
            errors["name"] = Message(_("英文标识须以小写字母开头，只含小写字母、数字和下划线，2 至 64 个字符"))
        elif draft.name in set(taken_names):
            errors["name"] = Message(_("英文标识“${name}”已被使用"), {"name": draft.name})
    if not draft.title.strip():
        errors["title"] = Message(_("请填写名称"))
    elif len(draft.title) > TITLE_MAX:
        errors["title"] = Message(_("名称不能超过 ${max} 个字符"), {"max": str(TITLE_MAX)})
    if len(draft.description) > DESCRIPTION_MAX:
        errors["description"] = Message(_("说明不能超过 ${max} 个字符"), {"max": str(DESCRIPTION_MAX)})
    allowed = assignable(catalogue, audience)
    wrong = sorted(p for p in draft.permissions if p not in allowed)
    if wrong:
        errors["permissions"] = Message(_("以下权限不能在此分配：${names}"), {"names": "、".join(wrong)})
    elif audience == STAFF:
        problem = _separation_problem(draft)
        if problem is not None:
            errors["permissions"] = problem
    return errors


def _separation_problem(draft: RoleDraft) -> Message | None:
    carried = duties(RoleFacts(draft.name, draft.title, draft.permissions))
    if len(carried) > 1:
        return _separation_message(DUTY_TITLES[carried[0]], DUTY_TITLES[carried[1]])
    if draft.name in SEPARATED_ADMIN_ROLES and DUTY_PERMISSIONS[draft.name] not in draft.permissions:
        return Message(_("“${role}”角色必须保留权限 ${permission}，这是它的职责所在"),
                       {"role": DUTY_TITLES[draft.name], "permission": DUTY_PERMISSIONS[draft.name]})
    return None


def holders_conflict(edited: RoleFacts, holdings: Mapping[str, Iterable[RoleFacts]]) -> Message | None:
    """After editing a role, the first holder (by login) whose roles together would break 三员分立.

    ``holdings`` maps each holder's login to every role they hold, the edited one in its old form.
    """
    for login in sorted(holdings):
        roles = [edited if role.name == edited.name else role for role in holdings[login]]
        conflict = separation_conflict(roles)
        if conflict is not None:
            return Message(_("用户 ${login} 同时拥有此角色和其他角色，修改后将违反三员分立：“${first}”与“${second}”的职责不能由同一人承担"),
                           {"login": login, "first": conflict[0], "second": conflict[1]})
    return None
