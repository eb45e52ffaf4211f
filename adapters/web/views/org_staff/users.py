"""Staff accounts in the staff area: list, create, edit, disable, reset passwords, import.

A manager whose 管理工作人员账户 permission is limited to org units (a 部门管理员) sees and
manages only the staff of those units' subtrees; anything else answers 404, as if it did not
exist. One-time passwords are shown once, on the page answering the request that made them, and
are never stored anywhere but as a hash.
"""

from __future__ import annotations

from pyramid.httpexceptions import HTTPBadRequest, HTTPForbidden, HTTPFound, HTTPNotFound
from pyramid.renderers import render_to_response
from sqlalchemy import or_, select

from adapters.db.orm import User
from adapters.web.i18n import _
from adapters.web.views.account import public_url
from adapters.web.views.org_staff.forms import by_field, flash, load_tree, message, never_store, posted_id
from adapters.web.views.org_staff.sheets import (SheetError, read_rows, read_upload, table_workbook,
                                                 template_workbook, workbook_response)
from govcore.accounts import one_time_password
from govcore.audit import DENIED, FAILURE
from govcore.core_plugin import ORG_UNIT_SCOPE, USERS_MANAGE
from govcore.notify import notify
from govcore.orgs import OrgTree, RulesBroken
from govcore.personal_data import mask_phone
from govcore.staff import (STAFF_COLUMNS, STAFF_IMPORT_MAX_ROWS, STAFF_REQUIRED_COLUMNS, HeldRole, StaffDirectory,
                           StaffDraft, StaffRow, check_staff, create_staff, import_staff, manageable_units,
                           may_manage)
from ports.notifier import Notification

T = "adapters.web:templates/"
PAGE_SIZE = 50
STATUSES = ("", "active", "disabled")
PASSWORD_FIELDS = ("login", "display_name", "unit", "password")


def _allowed(request, tree: OrgTree) -> set[int] | None:
    return manageable_units(tree, request.permission_scopes(USERS_MANAGE, ORG_UNIT_SCOPE))


def _hasher(request):
    return request.platform.extras["passwords"]


def _directory(request) -> StaffDirectory:
    return request.uow.repository(StaffDirectory)


def _account(request, allowed: set[int] | None) -> User:
    """The staff account the URL names, if the manager may see it; 404 otherwise."""
    user = request.dbsession.get(User, int(request.matchdict["id"]))
    if user is None or user.kind != "staff" or (allowed is not None and user.org_unit_id not in allowed):
        raise HTTPNotFound()
    return user


def _held(user: User) -> list[HeldRole]:
    return [HeldRole(a.role.name, frozenset(a.role.permissions), a.scope_type, a.scope_id) for a in user.assignments]


def _require_manageable(request, user: User, allowed: set[int] | None, action: str) -> None:
    if not may_manage(user.org_unit_id, _held(user), allowed):
        request.audit(action, "user", user.id, summary={"login": user.login}, result=DENIED)
        raise HTTPForbidden()


def _unit_path(tree: OrgTree, unit_id: int | None) -> str:
    return tree.path(unit_id) if unit_id is not None and tree.get(unit_id) is not None else ""


def _unit_options(tree: OrgTree, allowed: set[int] | None, keep: int | None = None) -> list[tuple[int, str, bool]]:
    """(id, path, disabled) of the units a manager may put staff in; ``keep`` stays even if disabled."""
    return [(unit.id, tree.path(unit.id), not tree.is_active(unit.id)) for unit, _depth in tree.walk()
            if (allowed is None or unit.id in allowed) and (tree.is_active(unit.id) or unit.id == keep)]


def _login_url(request) -> str:
    # Built on govcore.public_url, never on the client-supplied Host header.
    return public_url(request, request.route_path("login"))


def _send_notice(request, user: User, subject, body) -> None:
    """Tell the person by e-mail (never with the password: that goes by another way)."""
    if not user.email:
        return
    translate = request.localizer.translate
    notify(request.uow, request.platform.mail, Notification(
        recipient_id=user.id, subject=translate(subject), body=translate(body), channels=("mail",),
        email=user.email))


# --- the list -----------------------------------------------------------------------------------

def index(request):
    tree = load_tree(request)
    allowed = _allowed(request, tree)
    params = request.GET
    search = params.get("q", "").strip()[:100]
    unit_id = posted_id(params.get("unit"))
    status = params.get("status", "") if params.get("status", "") in STATUSES else ""
    query = select(User).where(User.kind == "staff")
    units = tree.subtree([unit_id]) if unit_id is not None else None
    if allowed is not None:
        units = allowed if units is None else units & allowed
    if units is not None:
        query = query.where(User.org_unit_id.in_(sorted(units)))
    if search:
        query = query.where(or_(User.login.icontains(search, autoescape=True),
                                User.display_name.icontains(search, autoescape=True)))
    if status:
        query = query.where(User.is_active.is_(status == "active"))
    users, previous_key, next_key = _page(request, query, params.get("after", ""), params.get("before", ""))
    filters = {"q": search, "unit": unit_id if unit_id is not None and unit_id > 0 else "", "status": status}
    return {
        "users": users, "tree": tree, "filters": filters,
        "unit_options": [(unit.id, tree.path(unit.id)) for unit, _depth in tree.walk()
                         if allowed is None or unit.id in allowed],
        "previous_url": request.route_path("admin.users", _query={**filters, "before": previous_key})
        if previous_key else None,
        "next_url": request.route_path("admin.users", _query={**filters, "after": next_key}) if next_key else None,
        "import_error": None,
    }


def _page(request, query, after: str, before: str) -> tuple[list[User], str | None, str | None]:
    """One page by keyset on the (unique) login: stable and fast however long the list grows."""
    if before:
        rows = request.dbsession.scalars(
            query.where(User.login < before).order_by(User.login.desc()).limit(PAGE_SIZE + 1)).all()
        more_before = len(rows) > PAGE_SIZE
        rows = list(reversed(rows[:PAGE_SIZE]))
        return rows, rows[0].login if rows and more_before else None, rows[-1].login if rows else None
    if after:
        query = query.where(User.login > after)
    rows = request.dbsession.scalars(query.order_by(User.login).limit(PAGE_SIZE + 1)).all()
    more_after = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    return rows, rows[0].login if rows and after else None, rows[-1].login if rows and more_after else None


# --- one account --------------------------------------------------------------------------------

def detail(request):
    tree = load_tree(request)
    allowed = _allowed(request, tree)
    user = _account(request, allowed)
    return _detail_values(request, tree, allowed, user)


def _detail_values(request, tree: OrgTree, allowed, user: User, error=None) -> dict:
    scope_types = request.platform.plugins.scope_types
    roles = []
    for assignment in sorted(user.assignments, key=lambda a: (a.role.title, a.scope_type or "", a.scope_id or 0)):
        scope = None
        if assignment.scope_type == ORG_UNIT_SCOPE:
            scope = (scope_types[ORG_UNIT_SCOPE].title,
                     _unit_path(tree, assignment.scope_id) or f"#{assignment.scope_id}")
        elif assignment.scope_type is not None:
            kind = scope_types.get(assignment.scope_type)
            labels = dict(kind.options(request.uow)) if kind is not None else {}
            scope = (kind.title if kind is not None else assignment.scope_type,
                     labels.get(assignment.scope_id, f"#{assignment.scope_id}"))
        roles.append((assignment.role.title, scope))
    return {"user": user, "mobile": _masked_mobile(user.mobile), "unit_path": _unit_path(tree, user.org_unit_id),
            "unit_active": user.org_unit_id is None or tree.is_active(user.org_unit_id),
            "roles": roles, "manageable": may_manage(user.org_unit_id, _held(user), allowed),
            "is_self": user.id == request.current_user.id, "error": error,
            "locked": user.locked_until is not None and user.locked_until > request.platform.clock.now()}


def _self_refused(request, tree, allowed, user: User, text):
    request.response.status_int = 400
    return render_to_response(T + "admin_users_detail.pt", _detail_values(request, tree, allowed, user, error=text),
                              request=request, response=request.response)


# --- create and edit ----------------------------------------------------------------------------

def _form_values(request, tree: OrgTree, allowed, user: User | None, values: dict, errors: dict) -> dict:
    keep = user.org_unit_id if user is not None else None
    return {"user": user, "values": values, "errors": errors,
            "error_list": [m for messages in errors.values() for m in messages],
            "unit_options": _unit_options(tree, allowed, keep)}


def _posted(request) -> dict:
    post = request.POST
    return {key: post.get(key, "") for key in ("login", "display_name", "email", "mobile")} | {
        "org_unit": posted_id(post.get("org_unit"))}


def add_form(request):
    tree = load_tree(request)
    allowed = _allowed(request, tree)
    values = {"login": "", "display_name": "", "email": "", "mobile": "",
              "org_unit": posted_id(request.GET.get("unit"))}
    return _form_values(request, tree, allowed, None, values, {})


def add(request):
    tree = load_tree(request)
    allowed = _allowed(request, tree)
    values = _posted(request)
    draft = StaffDraft(values["login"], values["display_name"], values["org_unit"], values["email"], values["mobile"])
    try:
        account = create_staff(_directory(request), _hasher(request), draft, tree=tree, allowed_units=allowed)
    except RulesBroken as broken:
        request.response.status_int = 400
        return _form_values(request, tree, allowed, None, values, by_field(broken.problems))
    user = request.dbsession.get(User, account.id)
    request.audit("user.create", "user", user.id, summary=_created_summary(tree, user))
    _welcome(request, user)
    never_store(request)
    return render_to_response(T + "admin_users_password.pt", {
        "user": user, "password": account.password, "unit_path": _unit_path(tree, user.org_unit_id),
        "created": True}, request=request, response=request.response)


def _created_summary(tree: OrgTree, user: User, **extra) -> dict:
    return {"login": user.login, "display_name": user.display_name, "org_unit": _unit_path(tree, user.org_unit_id),
            "email": user.email, "mobile": _masked_mobile(user.mobile), **extra}


def _masked_mobile(mobile: str | None) -> str | None:
    """Mobile numbers are personal data: pages and the audit trail show them masked."""
    return mask_phone(mobile) if mobile else mobile


def _welcome(request, user: User) -> None:
    mapping = {"name": user.display_name, "login": user.login, "county": request.platform.county.full_name,
               "url": _login_url(request)}
    _send_notice(request, user, _("您的工作人员账户已开通"), _(
        "${name}，您好：\n\n${county}已为您开通管理后台账户，登录名：${login}。初始密码由管理员另行告知，"
        "首次登录后须设置您自己的密码。\n\n登录地址：${url}", mapping=mapping))


def edit_form(request):
    tree = load_tree(request)
    allowed = _allowed(request, tree)
    user = _account(request, allowed)
    values = {"login": user.login, "display_name": user.display_name, "email": user.email or "",
              "mobile": _masked_mobile(user.mobile) or "", "org_unit": user.org_unit_id}
    return _form_values(request, tree, allowed, user, values, {})


def edit(request):
    tree = load_tree(request)
    allowed = _allowed(request, tree)
    user = _account(request, allowed)
    _require_manageable(request, user, allowed, "user.update")
    values = _posted(request) | {"login": user.login}
    # The form shows the number masked: sent back unchanged, it means "keep the number".
    kept = user.mobile and values["mobile"].strip() == _masked_mobile(user.mobile)
    draft = StaffDraft(user.login, values["display_name"], values["org_unit"], values["email"],
                       user.mobile if kept else values["mobile"])
    account, problems = check_staff(draft, tree=tree, allowed_units=allowed, directory=_directory(request),
                                    account_id=user.id, current_unit_id=user.org_unit_id)
    if problems:
        request.response.status_int = 400
        return _form_values(request, tree, allowed, user, values, by_field(problems))
    changes = {}
    for field, old, new in (("display_name", user.display_name, account.display_name),
                            ("org_unit", user.org_unit_id, account.org_unit_id),
                            ("email", user.email, account.email), ("mobile", user.mobile, account.mobile)):
        if old != new:
            changes[field] = ([_unit_path(tree, old), _unit_path(tree, new)] if field == "org_unit" else
                              [_masked_mobile(old), _masked_mobile(new)] if field == "mobile" else [old, new])
            setattr(user, "org_unit_id" if field == "org_unit" else field, new)
    if changes:
        request.audit("user.update", "user", user.id, summary={"login": user.login, "changes": changes})
        flash(request, _("已保存账户“${login}”", mapping={"login": user.login}))
    return HTTPFound(location=request.route_path("admin.user", id=user.id))


# --- disable, enable, reset the password --------------------------------------------------------

def disable(request):
    return _set_active(request, False)


def enable(request):
    return _set_active(request, True)


def _set_active(request, active: bool):
    tree = load_tree(request)
    allowed = _allowed(request, tree)
    user = _account(request, allowed)
    action = "user.enable" if active else "user.disable"
    _require_manageable(request, user, allowed, action)
    if user.id == request.current_user.id:
        return _self_refused(request, tree, allowed, user, _("不能停用自己的账户"))
    if user.is_active != active:
        user.is_active = active
        request.audit(action, "user", user.id, summary={"login": user.login})
        flash(request, _("已启用账户“${login}”", mapping={"login": user.login}) if active
              else _("已停用账户“${login}”，该账户不能再登录", mapping={"login": user.login}))
    return HTTPFound(location=request.route_path("admin.user", id=user.id))


def reset_password(request):
    tree = load_tree(request)
    allowed = _allowed(request, tree)
    user = _account(request, allowed)
    _require_manageable(request, user, allowed, "user.password_reset")
    if user.id == request.current_user.id:
        return _self_refused(request, tree, allowed, user, _("请通过“修改密码”更改您自己的密码"))
    password = one_time_password()
    user.password_hash = _hasher(request).hash(password)
    user.must_change_password = True
    user.password_changed_at = request.platform.clock.now()
    # A reset also lifts a lock from failed sign-ins: the administrator has spoken for the person.
    user.failed_logins, user.locked_until = 0, None
    request.audit("user.password_reset", "user", user.id, summary={"login": user.login})
    mapping = {"name": user.display_name, "login": user.login, "county": request.platform.county.full_name,
               "url": _login_url(request)}
    _send_notice(request, user, _("您的账户密码已被重置"), _(
        "${name}，您好：\n\n管理员已重置您在${county}管理后台的账户（登录名：${login}）的密码。新的一次性密码由管理员"
        "另行告知，登录后须设置您自己的密码。如果您没有提出过重置，请联系管理员。\n\n登录地址：${url}", mapping=mapping))
    never_store(request)
    return {"user": user, "password": password, "unit_path": _unit_path(tree, user.org_unit_id), "created": False}


# --- batch import -------------------------------------------------------------------------------

def import_sheet(request):
    tree = load_tree(request)
    allowed = _allowed(request, tree)
    filename = ""
    try:
        filename, data = read_upload(request.POST.get("file"))
        sheet = read_rows(data, STAFF_COLUMNS, STAFF_REQUIRED_COLUMNS, one_of=("unit_path", "unit_code"),
                          max_rows=STAFF_IMPORT_MAX_ROWS)
    except SheetError as error:
        request.audit("user.import", "user", "", summary={"file": filename, "error": error.message.interpolate()},
                      result=FAILURE)
        request.response.status_int = 400
        values = index(request)
        values["import_error"] = error.message
        return render_to_response(T + "admin_users.pt", values, request=request, response=request.response)
    rows = [StaffRow(row.number, **row.values) for row in sheet]
    report = import_staff(_directory(request), _hasher(request), rows, tree=tree, allowed_units=allowed)
    accounts = []
    for account in report.created:
        user = request.dbsession.get(User, account.id)
        request.audit("user.create", "user", user.id, summary=_created_summary(tree, user, via="import"))
        _welcome(request, user)
        accounts.append((account, _unit_path(tree, account.org_unit_id)))
    request.audit("user.import", "user", "", summary={
        "file": filename, "rows": report.rows, "created": len(report.created), "failed_rows": report.failed_rows})
    never_store(request)
    return {"report": report, "accounts": accounts, "filename": filename,
            "problems": [(p.row, p.column, message(p)) for p in report.problems]}


def template(request):
    headers = [STAFF_COLUMNS[key] for key in ("login", "display_name", "unit_path", "unit_code", "email", "mobile")]
    notes = [
        "工作人员导入说明",
        "1. 在“工作人员”工作表中每行填写一人，第 1 行的列名请勿修改；本“说明”工作表不会被导入。",
        "2. 必填列：登录名、姓名，以及“所属单位路径”或“所属单位编码”之一。",
        "3. 登录名为 2 至 64 个字符，可用字母、数字和 . _ @ -，并以字母或数字开头，不能与已有账户重复（不区分大小写）。",
        "4. 所属单位路径自顶级单位起用斜杠分隔，如：示例县/城关镇/东村；只有一个顶级单位时可以省略它。",
        "5. 邮箱、手机可不填；填写邮箱的人员会收到账户开通通知（通知中不含密码）。",
        f"6. 一次最多导入 {STAFF_IMPORT_MAX_ROWS} 人，文件不超过 5 MB。有问题的行不会导入，导入后会逐行列出原因。",
        "7. 导入成功的账户各有一个一次性密码，只在导入结果页面显示一次（可下载为表格），请妥善转交本人；首次登录须修改密码。",
    ]
    workbook = template_workbook("工作人员", headers, [STAFF_COLUMNS[k] for k in STAFF_REQUIRED_COLUMNS], notes)
    return workbook_response(workbook, "工作人员导入模板.xlsx", "staff-template.xlsx")


def passwords_sheet(request):
    """The one-time passwords of an import as a sheet, built from the result page's own form.

    Nothing is kept on the server between the import and this download, so the passwords exist
    only on that page (and in this file): the download works while the page is open, not later.
    """
    columns = [request.POST.getall(name) for name in PASSWORD_FIELDS]
    count = len(columns[0])
    if (not count or count > STAFF_IMPORT_MAX_ROWS or any(len(values) != count for values in columns)
            or any(len(value) > 200 for values in columns for value in values)):
        raise HTTPBadRequest()
    request.audit("user.passwords_export", "user", "", summary={"logins": columns[0]})
    headers = [STAFF_COLUMNS["login"], STAFF_COLUMNS["display_name"], "所属单位", "一次性密码"]
    workbook = table_workbook("一次性密码", headers, zip(*columns))
    return workbook_response(workbook, "工作人员一次性密码.xlsx", "staff-passwords.xlsx", private=True)
