"""The organisation tree in the staff area: add, change, move, reorder, disable, import units."""

from __future__ import annotations

from pyramid.httpexceptions import HTTPFound, HTTPNotFound
from pyramid.renderers import render_to_response
from sqlalchemy import func, select

from adapters.db.orm import User
from adapters.web.i18n import _
from adapters.web.views.org_staff.forms import by_field, flash, load_tree, message, posted_id
from adapters.web.views.org_staff.sheets import (SheetError, read_rows, read_upload, template_workbook,
                                                 workbook_response)
from govcore.audit import FAILURE
from govcore.core_plugin import USERS_MANAGE
from govcore.orgs import (ORG_KINDS, SUGGESTED_CHILD_KIND, UNIT_COLUMNS, UNIT_REQUIRED_COLUMNS, OrgTree,
                          OrgUnitRepository, RulesBroken, UnitRow, add_unit, change_unit, clean_name, import_units,
                          set_unit_disabled, shift_unit)

T = "adapters.web:templates/"
UNIT_IMPORT_MAX_ROWS = 5000


def _repo(request):
    return request.uow.repository(OrgUnitRepository)


def _unit(request, tree: OrgTree):
    unit = tree.get(int(request.matchdict["id"]))
    if unit is None:
        raise HTTPNotFound()
    return unit


def _back_to(request, unit_id: int | None = None) -> HTTPFound:
    anchor = f"unit-{unit_id}" if unit_id is not None else None
    return HTTPFound(location=request.route_path("admin.org", _anchor=anchor))


def index(request):
    return _index_values(request)


def _index_values(request, import_error=None) -> dict:
    tree = load_tree(request)
    counts = dict(request.dbsession.execute(
        select(User.org_unit_id, func.count())
        .where(User.kind == "staff", User.org_unit_id.is_not(None))
        .group_by(User.org_unit_id)
    ).all())
    return {"tree": tree, "kinds": ORG_KINDS, "counts": counts, "import_error": import_error,
            "link_staff": request.has_permission(USERS_MANAGE)}


# --- add and edit -------------------------------------------------------------------------------

def _form_values(request, tree: OrgTree, unit, values: dict, errors: dict) -> dict:
    current_parent = unit.parent_id if unit is not None else None
    parents = [(choice.id, tree.path(choice.id), not tree.is_active(choice.id))
               for choice in tree.parent_choices(unit.id if unit is not None else None)]
    if unit is None and values["parent"] is not None and not any(p[0] == values["parent"] for p in parents):
        # A parent named in the link but no longer offered (disabled meanwhile) is shown, and refused on save.
        chosen = tree.get(values["parent"])
        if chosen is not None:
            parents.append((chosen.id, tree.path(chosen.id), True))
    return {"unit": unit, "tree": tree, "values": values, "errors": errors, "kinds": ORG_KINDS,
            "parents": parents, "current_parent": current_parent,
            "error_list": [m for messages in errors.values() for m in messages]}


def _posted(request) -> dict:
    post = request.POST
    return {"parent": posted_id(post.get("parent")), "name": post.get("name", ""),
            "kind": post.get("kind", ""), "code": post.get("code", "")}


def add_form(request):
    tree = load_tree(request)
    parent_id = posted_id(request.GET.get("parent"))
    parent = tree.get(parent_id)
    values = {"parent": parent.id if parent else None, "name": "", "code": "",
              "kind": SUGGESTED_CHILD_KIND[parent.kind if parent else None]}
    return _form_values(request, tree, None, values, {})


def add(request):
    tree = load_tree(request)
    values = _posted(request)
    try:
        unit = add_unit(_repo(request), values["parent"], values["name"], values["kind"], values["code"], tree=tree)
    except RulesBroken as broken:
        request.response.status_int = 400
        return _form_values(request, tree, None, values, by_field(broken.problems))
    request.audit("org.create", "org_unit", unit.id, summary={
        "name": unit.name, "kind": unit.kind, "code": unit.code,
        "parent": tree.path(unit.parent_id) if unit.parent_id is not None else ""})
    flash(request, _("已新增单位“${name}”", mapping={"name": unit.name}))
    return _back_to(request, unit.id)


def edit_form(request):
    tree = load_tree(request)
    unit = _unit(request, tree)
    values = {"parent": unit.parent_id, "name": unit.name, "kind": unit.kind, "code": unit.code or ""}
    return _form_values(request, tree, unit, values, {})


def edit(request):
    tree = load_tree(request)
    unit = _unit(request, tree)
    values = _posted(request)
    try:
        changes = change_unit(_repo(request), unit.id, values["parent"], values["name"], values["kind"],
                              values["code"])
    except RulesBroken as broken:
        request.response.status_int = 400
        return _form_values(request, tree, unit, values, by_field(broken.problems))
    if changes:
        # A move is recorded as such, so the trail can be searched for it.
        request.audit("org.move" if "parent" in changes else "org.update", "org_unit", unit.id,
                      summary={"unit": tree.path(unit.id), "changes": changes})
        flash(request, _("已保存单位“${name}”", mapping={"name": clean_name(values["name"])}))
    return _back_to(request, unit.id)


# --- reorder, disable, enable -------------------------------------------------------------------

def shift(request):
    tree = load_tree(request)
    unit = _unit(request, tree)
    direction = request.POST.get("direction")
    if direction not in ("up", "down"):
        raise HTTPNotFound()
    if shift_unit(_repo(request), unit.id, -1 if direction == "up" else 1):
        request.audit("org.reorder", "org_unit", unit.id, summary={"unit": tree.path(unit.id),
                                                                   "direction": direction})
    return _back_to(request, unit.id)


def disable(request):
    return _set_disabled(request, True)


def enable(request):
    return _set_disabled(request, False)


def _set_disabled(request, disabled: bool):
    tree = load_tree(request)
    unit = _unit(request, tree)
    if set_unit_disabled(_repo(request), unit.id, disabled):
        request.audit("org.disable" if disabled else "org.enable", "org_unit", unit.id,
                      summary={"unit": tree.path(unit.id)})
        flash(request, _("已停用“${name}”", mapping={"name": unit.name}) if disabled
              else _("已启用“${name}”", mapping={"name": unit.name}))
    return _back_to(request, unit.id)


# --- batch import -------------------------------------------------------------------------------

def import_sheet(request):
    filename = ""
    try:
        filename, data = read_upload(request.POST.get("file"))
        sheet = read_rows(data, UNIT_COLUMNS, UNIT_REQUIRED_COLUMNS, max_rows=UNIT_IMPORT_MAX_ROWS)
    except SheetError as error:
        request.audit("org.import", "org_unit", "", summary={"file": filename, "error": error.message.interpolate()}, result=FAILURE)
        request.response.status_int = 400
        return render_to_response(T + "admin_org.pt", _index_values(request, import_error=error.message),
                                  request=request, response=request.response)
    rows = [UnitRow(row.number, **row.values) for row in sheet]
    report = import_units(_repo(request), rows)
    tree = load_tree(request)
    for unit in report.created:
        request.audit("org.create", "org_unit", unit.id, summary={
            "name": unit.name, "kind": unit.kind, "code": unit.code, "via": "import",
            "parent": tree.path(unit.parent_id) if unit.parent_id is not None else ""})
    request.audit("org.import", "org_unit", "", summary={
        "file": filename, "rows": report.rows, "created": len(report.created), "failed_rows": report.failed_rows})
    return {"report": report, "tree": tree, "kinds": ORG_KINDS, "filename": filename,
            "problems": [(p.row, p.column, message(p)) for p in report.problems]}


def template(request):
    headers = [UNIT_COLUMNS[key] for key in ("parent_path", "parent_code", "name", "kind", "code")]
    notes = [
        "单位导入说明",
        "1. 在“单位”工作表中每行填写一个单位，第 1 行的列名请勿修改；本“说明”工作表不会被导入。",
        "2. 必填列：单位名称、类型。类型可填：县、部门、乡镇（乡、镇、街道）、村（社区）、其他。",
        "3. 上级单位用“上级单位路径”或“上级单位编码”之一指明，两者都不填表示顶级单位（如本县）。",
        "   路径自顶级单位起用斜杠分隔，如：示例县/城关镇；只有一个顶级单位时可以省略它，如：城关镇。",
        "4. 可以引用本表前面行中新增的单位作为上级。",
        "5. 编码可不填；填写时不能与其他单位重复，只能包含字母、数字、点、下划线和连字符。",
        "6. 同一上级单位下不能有同名单位；单位名称中不能有斜杠。",
        "7. 村只能设在乡镇（或“其他”类单位）之下，乡镇设在县之下，部门可设在县、乡镇或部门之下。",
        f"8. 一次最多导入 {UNIT_IMPORT_MAX_ROWS} 行，文件不超过 5 MB。有问题的行不会导入，导入后会逐行列出原因。",
    ]
    workbook = template_workbook("单位", headers, [UNIT_COLUMNS[k] for k in UNIT_REQUIRED_COLUMNS], notes,
                                 {UNIT_COLUMNS["kind"]: list(ORG_KINDS.values())})
    return workbook_response(workbook, "单位导入模板.xlsx", "org-units-template.xlsx")
