"""Staff accounts: the rules for creating and changing them, who may manage whom, batch import.

Framework-free. The staff pages and the sheet import both come through here, so a sheet row is
held to exactly the rules of the form.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Protocol

from govcore.accounts import normalise_email, normalise_mobile, one_time_password
from govcore.core_plugin import (AUDIT_READ, ORG_MANAGE, ORG_UNIT_SCOPE, ROLES_MANAGE, SEPARATED_ADMIN_ROLES,
                                 USERS_MANAGE)
from govcore.orgs import ImportReport, OrgTree, Problem, RowProblem, RulesBroken, resolve_unit_reference
from govcore.i18n import _
from ports.passwords import PasswordHasher



LOGIN_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{1,63}$")
DISPLAY_NAME_MAX = 100

# Permissions over other people's accounts or the whole system. A manager limited to part of the
# tree may not touch an account holding one of these beyond that part: resetting its password
# would hand the manager powers the manager was never given.
ADMIN_POWERS = frozenset({USERS_MANAGE, ORG_MANAGE, ROLES_MANAGE, AUDIT_READ})


@dataclass(frozen=True)
class StaffDraft:
    """What a form or a sheet row says about an account, as typed."""

    login: str = ""
    display_name: str = ""
    org_unit_id: int | None = None
    email: str = ""
    mobile: str = ""


@dataclass(frozen=True)
class StaffInput:
    """A draft that passed the rules, cleaned."""

    login: str
    display_name: str
    org_unit_id: int
    email: str | None
    mobile: str | None


@dataclass(frozen=True)
class NewAccount:
    """An account just created; ``password`` is its one-time password, shown once and never stored."""

    id: int
    login: str
    display_name: str
    org_unit_id: int
    email: str | None
    password: str


@dataclass(frozen=True)
class HeldRole:
    """A role assignment of the account a manager wants to manage."""

    name: str
    permissions: frozenset[str]
    scope_type: str | None = None
    scope_id: int | None = None


class StaffDirectory(Protocol):
    def login_taken(self, login: str, except_id: int | None = None) -> bool:
        """True when an account (staff or not) already uses ``login``, ignoring letter case."""

    def create(self, account: StaffInput, password_hash: str) -> int:
        """Store a new active staff account that must change its password; return its id."""


def manageable_units(tree: OrgTree, scope_roots: Iterable[int] | None) -> set[int] | None:
    """The units whose staff a manager may manage: None for everywhere, else the scopes' subtrees."""
    return None if scope_roots is None else tree.subtree(scope_roots)


def may_manage(org_unit_id: int | None, roles: Iterable[HeldRole], allowed_units: set[int] | None) -> bool:
    """Whether a manager limited to ``allowed_units`` (None: unlimited) may change this account.

    A limited manager may change accounts in their units only, and not those of the 三员 nor of
    anyone holding administrative powers beyond those units.
    """
    if allowed_units is None:
        return True
    if org_unit_id not in allowed_units:
        return False
    for role in roles:
        if role.name in SEPARATED_ADMIN_ROLES:
            return False
        within = role.scope_type == ORG_UNIT_SCOPE and role.scope_id in allowed_units
        if role.permissions & ADMIN_POWERS and not within:
            return False
    return True


def check_staff(draft: StaffDraft, *, tree: OrgTree, allowed_units: set[int] | None, directory: StaffDirectory,
                account_id: int | None = None,
                current_unit_id: int | None = None) -> tuple[StaffInput | None, list[Problem]]:
    """Clean ``draft`` and list everything wrong with it.

    For a new account ``account_id`` is None and the login is checked; an existing account keeps
    its login (the audit trail and people's memories know it by that name), and may stay in its
    current unit even when that unit has since been disabled.
    """
    problems: list[Problem] = []
    login = draft.login.strip()
    if account_id is None:
        if not login:
            problems.append(Problem("login", _("请填写登录名")))
        elif not LOGIN_PATTERN.match(login):
            problems.append(Problem("login", _("登录名为 2 至 64 个字符，可用字母、数字和 . _ @ -，并以字母或数字开头")))
        elif directory.login_taken(login):
            problems.append(Problem("login", _("登录名“${login}”已被使用"), {"login": login}))
    display_name = " ".join(draft.display_name.split())
    if not display_name:
        problems.append(Problem("display_name", _("请填写姓名")))
    elif len(display_name) > DISPLAY_NAME_MAX:
        problems.append(Problem("display_name", _("姓名不能超过 ${max} 个字"), {"max": str(DISPLAY_NAME_MAX)}))
    problems += _unit_problems(draft.org_unit_id, tree, allowed_units, current_unit_id)
    # Both optional: the same checks as for people who register themselves.
    email = normalise_email(draft.email) if draft.email.strip() else None
    if draft.email.strip() and email is None:
        problems.append(Problem("email", _("邮箱地址格式不正确")))
    mobile = normalise_mobile(draft.mobile) if draft.mobile.strip() else None
    if draft.mobile.strip() and mobile is None:
        problems.append(Problem("mobile", _("手机号码应为 11 位数字，以 1 开头")))
    if problems:
        return None, problems
    return StaffInput(login, display_name, draft.org_unit_id, email, mobile), []


def _unit_problems(unit_id: int | None, tree: OrgTree, allowed_units: set[int] | None,
                   current_unit_id: int | None) -> list[Problem]:
    if unit_id is None:
        return [Problem("org_unit", _("请选择所属单位"))]
    if tree.get(unit_id) is None:
        return [Problem("org_unit", _("所属单位不存在"))]
    if allowed_units is not None and unit_id not in allowed_units:
        return [Problem("org_unit", _("“${unit}”不在您的管理范围内"), {"unit": tree.path(unit_id)})]
    if unit_id != current_unit_id and not tree.is_active(unit_id):
        return [Problem("org_unit", _("“${unit}”已停用，不能再增加工作人员"), {"unit": tree.path(unit_id)})]
    return []


def create_staff(directory: StaffDirectory, hasher: PasswordHasher, draft: StaffDraft, *, tree: OrgTree,
                 allowed_units: set[int] | None) -> NewAccount:
    """Create an account with a one-time password; raises :class:`RulesBroken`."""
    account, problems = check_staff(draft, tree=tree, allowed_units=allowed_units, directory=directory)
    if problems:
        raise RulesBroken(problems)
    return _create(directory, hasher, account)


def _create(directory: StaffDirectory, hasher: PasswordHasher, account: StaffInput) -> NewAccount:
    password = one_time_password()
    account_id = directory.create(account, hasher.hash(password))
    return NewAccount(account_id, account.login, account.display_name, account.org_unit_id, account.email,
                      password)


# The column titles of the staff sheet; they are data, matched as written, so not translated.
STAFF_COLUMNS = {
    "login": "登录名",
    "display_name": "姓名",
    "unit_path": "所属单位路径",
    "unit_code": "所属单位编码",
    "email": "邮箱",
    "mobile": "手机",
}
STAFF_REQUIRED_COLUMNS = ("login", "display_name")
# Each new account costs a deliberately slow password hash; larger sheets are split by the county.
STAFF_IMPORT_MAX_ROWS = 500


@dataclass(frozen=True)
class StaffRow:
    row: int
    login: str = ""
    display_name: str = ""
    unit_path: str = ""
    unit_code: str = ""
    email: str = ""
    mobile: str = ""


def import_staff(directory: StaffDirectory, hasher: PasswordHasher, rows: Iterable[StaffRow], *, tree: OrgTree,
                 allowed_units: set[int] | None) -> ImportReport:
    """Create the accounts of a sheet, keeping the valid rows and reporting the others.

    ``report.created`` holds a :class:`NewAccount` (with its one-time password) per imported row.
    A login used twice in the sheet is imported once and reported at its second row.
    """
    report = ImportReport()
    for row in rows:
        report.rows += 1
        unit, unit_problems = resolve_unit_reference(tree, row.unit_path, row.unit_code, "unit_path", "unit_code")
        draft = StaffDraft(row.login, row.display_name, unit.id if unit else None, row.email, row.mobile)
        account, problems = check_staff(draft, tree=tree, allowed_units=allowed_units, directory=directory)
        if unit_problems or (unit is None and not row.unit_path.strip() and not row.unit_code.strip()):
            problems = [p for p in problems if p.field != "org_unit"]
            problems += unit_problems or [Problem("unit_path", _("请填写所属单位路径或所属单位编码"))]
        if not problems:
            report.created.append(_create(directory, hasher, account))
            continue
        unit_column = "unit_code" if row.unit_code.strip() and not row.unit_path.strip() else "unit_path"
        for problem in problems:
            key = unit_column if problem.field == "org_unit" else problem.field
            report.problems.append(RowProblem(row.row, STAFF_COLUMNS.get(key, key), problem.message, problem.mapping))
    return report
