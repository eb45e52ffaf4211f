"""审批流程 designer: list, build in the form, diagram, versions, export/import, restore, rights, audit."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest
from sqlalchemy import func, select

from adapters.db.orm import AuditRecord
from adapters.db.workflow_orm import WorkflowCaseRow, WorkflowDefinitionRow
from adapters.testing.pytest_plugin import csrf_token
from govcore.workflow.definition import (ACTOR_PERSON, ACTOR_ROLE, END_APPROVED, JSON_FORMAT, MODE_ALL,
                                         STEP_PUBLICITY, UNIT_CALENDAR_DAYS, UNIT_WORKING_DAYS, Actor, Definition,
                                         Duration, Step, to_data)
from govcore.workflow.service import Workflows
from tests.functional.signin import person, sign_in

SVG = "{http://www.w3.org/2000/svg}"
KEY = "county.purchase"


@pytest.fixture
def admin(testapp, dbsession, make_user, login):
    user = person(dbsession, make_user, "wfadmin", ["system_admin"])
    sign_in(testapp, login, user)
    return user


@pytest.fixture
def signers(dbsession, make_user):
    """Two chief editors who countersign, and a named leader."""
    return {name: person(dbsession, make_user, name, roles) for name, roles in
            (("signer-a", ["chief_editor"]), ("signer-b", ["chief_editor"]), ("leader", []))}


def stored_versions(dbsession, key):
    dbsession.expire_all()
    rows = dbsession.scalars(select(WorkflowDefinitionRow).where(WorkflowDefinitionRow.key == key)
                             .order_by(WorkflowDefinitionRow.version)).all()
    return [(row.version, row.origin, row.title) for row in rows]


def audits(dbsession, action, start=0):
    dbsession.expire_all()
    rows = dbsession.scalars(select(AuditRecord).where(AuditRecord.action == action, AuditRecord.id > start)
                             .order_by(AuditRecord.id)).all()
    return [(row, json.loads(row.summary)) for row in rows]


def records_since(dbsession, start):
    dbsession.expire_all()
    return dbsession.scalars(select(AuditRecord).where(AuditRecord.id > start).order_by(AuditRecord.id)).all()


def last_audit_id(dbsession):
    return dbsession.scalar(select(func.coalesce(func.max(AuditRecord.id), 0)))


def diagram_of(page):
    """The page's inline SVG, parsed: it must be well-formed XML."""
    svg = page.html.select_one("svg.wf-diagram")
    assert svg is not None, page.text
    text = page.text[page.text.index("<svg"):page.text.index("</svg>") + len("</svg>")]
    return ET.fromstring(text)


def svg_texts(root):
    return [element.text or "" for element in root.iter(f"{SVG}text")]


def field_error(page, field_id):
    node = page.html.select_one(f"#{field_id}-error")
    return node.get_text(" ", strip=True) if node is not None else ""


def simple_definition(key=KEY, title="采购审批", *steps, **fields):
    return Definition(key, title, steps or (
        Step("s1", "科室审核", actors=(Actor(ACTOR_ROLE, "chief_editor"),)),
        Step("s2", "领导审批", actors=(Actor(ACTOR_ROLE, "chief_editor"),)),
    ), **fields)


def save_directly(platform, definition, author_id):
    with platform.unit_of_work() as uow:
        return Workflows(platform, uow).save_definition(definition, author_id=author_id, note="测试")


# --- the list -----------------------------------------------------------------------------------

def test_the_list_shows_defaults_and_county_procedures_with_open_cases(testapp, admin, platform, dbsession,
                                                                       monkeypatch):
    default = simple_definition("content.review", "稿件审核")
    monkeypatch.setattr(platform.plugins, "workflows", {"content.review": default})
    save_directly(platform, simple_definition(), admin.id)
    with platform.unit_of_work() as uow:
        Workflows(platform, uow).start(KEY, subject_type="test", subject_id=1, title="买电脑",
                                       initiator_id=admin.id, org_unit_id=None)

    page = testapp.get("/admin/workflows")
    rows = {row["id"]: [cell.get_text(" ", strip=True) for cell in row.select("th, td")]
            for row in page.html.select("#procedures tbody tr")}
    assert rows["procedure-content.review"][:5] == ["稿件审核", "content.review", "第 1 版 （尚未使用）", "插件默认", "0"]
    assert rows[f"procedure-{KEY}"][:5] == ["采购审批", KEY, "第 1 版", "本县修改", "1"]
    assert page.html.select_one(f'a[href="/admin/workflows/{KEY}/edit"]') is not None
    assert page.html.select_one(f'a[href="/admin/workflows/{KEY}/export"]') is not None
    assert page.html.select_one('a[href="/admin/workflows/new"]') is not None
    assert page.forms["import-form"].enctype == "multipart/form-data"
    # Looking at the list stores nothing: the default becomes version 1 only when used or changed.
    assert stored_versions(dbsession, "content.review") == []


def test_every_enabled_plugins_default_is_listed_and_drawn(testapp, admin, platform, dbsession):
    defaults = platform.plugins.workflows
    listed = {row["id"].removeprefix("procedure-") for row in testapp.get("/admin/workflows").html.select("#procedures tbody tr")}
    assert set(defaults) <= listed
    for key, definition in defaults.items():
        page = testapp.get(f"/admin/workflows/{key}")
        assert {f"{n}. {step.title}" for n, step in enumerate(definition.steps, start=1)} <= set(svg_texts(diagram_of(page)))
        form = testapp.get(f"/admin/workflows/{key}/edit").forms["workflow-form"]
        assert form["steps"].value == str(len(definition.steps))


def test_the_menu_links_to_the_designer(testapp, admin):
    assert testapp.get("/admin").html.select_one('.admin-menu a[href="/admin/workflows"]') is not None


# --- building a procedure in the form -----------------------------------------------------------

def fill_actor(form, step, row, kind, role="", person=""):
    form[f"step-{step}-actor-{row}-kind"] = kind
    form[f"step-{step}-actor-{row}-role"] = role
    form[f"step-{step}-actor-{row}-person"] = str(person)


def test_an_administrator_builds_a_three_step_countersign_procedure(testapp, admin, signers, dbsession):
    page = testapp.get("/admin/workflows/new")
    form = page.forms["workflow-form"]
    assert form["step-0-key"].value == "s1"
    form["key"] = KEY
    form["title"] = "采购审批"
    form["general"] = True
    form["step-0-title"] = "科室审核"
    fill_actor(form, 0, 0, ACTOR_ROLE, "chief_editor")
    form["step-0-deadline_amount"] = "3"

    page = form.submit("op", value="add_step")
    assert page.status_int == 200
    form = page.forms["workflow-form"]
    assert form["step-1-key"].value == "s2"  # suggested
    assert form["step-0-title"].value == "科室审核"  # kept
    assert page.html.select_one("#step-1-title").has_attr("autofocus")
    form["step-1-title"] = "会签"
    form["step-1-mode"] = MODE_ALL
    fill_actor(form, 1, 0, ACTOR_PERSON, person=signers["signer-a"].id)
    page = form.submit("op", value="add_actor-1")
    form = page.forms["workflow-form"]
    fill_actor(form, 1, 1, ACTOR_PERSON, person=signers["signer-b"].id)
    form["step-1-opinion_required"] = True

    page = form.submit("op", value="add_step")
    form = page.forms["workflow-form"]
    assert form["step-2-key"].value == "s3"
    form["step-2-title"] = "分管领导审批"
    fill_actor(form, 2, 0, ACTOR_PERSON, person=signers["leader"].id)
    form["step-2-on_reject"] = form["step-0-uid"].value  # back to 科室审核

    page = form.submit("op", value="preview")
    assert page.status_int == 200
    assert not page.html.select("#form-errors")
    assert {"1. 科室审核", "2. 会签", "3. 分管领导审批"} <= set(svg_texts(diagram_of(page)))
    assert stored_versions(dbsession, KEY) == []  # previewing saves nothing

    form = page.forms["workflow-form"]
    form["note"] = "新建采购流程"
    start = last_audit_id(dbsession)
    response = form.submit("op", value="save")
    assert response.status_int == 302 and response.location.endswith(f"/admin/workflows/{KEY}")
    assert stored_versions(dbsession, KEY) == [(1, "county", "采购审批")]

    page = response.follow()
    assert "已保存流程“采购审批”第 1 版" in page.text
    root = diagram_of(page)
    texts = svg_texts(root)
    assert {"1. 科室审核", "2. 会签", "3. 分管领导审批", "发起", "办结（通过）", "办结（不通过）"} <= set(texts)
    assert "会签 · 须填意见" in texts and "单人审批 · 3个工作日" in texts
    assert "指定人员：signer-a、signer-b" in texts
    steps = [row.get_text(" ", strip=True) for row in page.html.select("#steps tbody tr")]
    assert steps[1].startswith("2. 会签 s2") and "会签（全部同意）" in steps[1]
    assert steps[2].endswith("不同意：第1步 科室审核")

    # The save is recorded once, with what was saved (no automatic record of the request besides).
    records = records_since(dbsession, start)
    assert [record.action for record in records] == ["workflow.definition_save"]
    record, summary = records[0], json.loads(records[0].summary)
    assert (record.object_type, record.object_id, record.actor_login) == ("workflow_definition", KEY, "wfadmin")
    assert summary["version"] == 1 and summary["via"] == "designer" and summary["note"] == "新建采购流程"


# --- versions -----------------------------------------------------------------------------------

def test_editing_makes_a_new_version_and_a_running_case_keeps_its_own(testapp, admin, signers, platform, dbsession):
    leader = signers["leader"]
    save_directly(platform, simple_definition(KEY, "采购审批", Step("s1", "科室审核", actors=(Actor(ACTOR_PERSON, user_id=leader.id),))),
                  admin.id)
    with platform.unit_of_work() as uow:
        case = Workflows(platform, uow).start(KEY, subject_type="test", subject_id=7, title="买打印机",
                                              initiator_id=admin.id, org_unit_id=None)
    start = last_audit_id(dbsession)

    form = testapp.get(f"/admin/workflows/{KEY}/edit").forms["workflow-form"]
    assert form["step-0-title"].value == "科室审核"
    assert form["step-0-actor-0-person"].value == str(leader.id)
    form["step-0-title"] = "科室初审"
    form = form.submit("op", value="add_step").forms["workflow-form"]
    form["step-1-title"] = "局长审批"
    fill_actor(form, 1, 0, ACTOR_ROLE, "chief_editor")
    form["note"] = "增加局长审批"
    page = form.submit("op", value="save").follow()

    assert stored_versions(dbsession, KEY) == [(1, "county", "采购审批"), (2, "county", "采购审批")]
    assert dbsession.get(WorkflowCaseRow, case.id).definition_version == 1
    with platform.unit_of_work() as uow:
        workflows = Workflows(platform, uow)
        assert [step.title for step in workflows.definition_of(workflows.case(case.id)).steps] == ["科室审核"]
        assert [step.title for step in workflows.current(KEY).definition.steps] == ["科室初审", "局长审批"]

    assert "第 2 版" in page.html.select_one(".meta").get_text()
    versions = {row["id"]: [cell.get_text(" ", strip=True) for cell in row.select("th, td")]
                for row in page.html.select("#versions tbody tr")}
    assert versions["version-2"][0] == "第 2 版 当前" and versions["version-2"][2:] [0] == "wfadmin"
    assert versions["version-2"][4:] == ["增加局长审批", "0"]
    assert versions["version-1"][4:] == ["测试", "1"]  # the running case is on version 1
    # The "add a step" round trip changed nothing and is not on record; the save is, once.
    assert [record.action for record in records_since(dbsession, start)] == ["workflow.definition_save"]
    [record] = audits(dbsession, "workflow.definition_save", start)
    assert json.loads(record[0].summary)["version"] == 2

    old = testapp.get(f"/admin/workflows/{KEY}/versions/1")
    assert old.html.select_one("#old-version") is not None
    assert "1. 科室审核" in svg_texts(diagram_of(old))
    assert old.html.select_one(f'a[href="/admin/workflows/{KEY}/edit"]') is None  # read-only
    testapp.get(f"/admin/workflows/{KEY}/versions/3", status=404)
    testapp.get("/admin/workflows/no.such.flow", status=404)
    testapp.get("/admin/workflows/no.such.flow/edit", status=404)


def test_saving_an_unchanged_procedure_makes_no_version(testapp, admin, platform, dbsession):
    save_directly(platform, simple_definition(), admin.id)
    page = testapp.get(f"/admin/workflows/{KEY}/edit").forms["workflow-form"].submit("op", value="save").follow()
    assert "流程没有改动，未生成新版本" in page.text
    assert stored_versions(dbsession, KEY) == [(1, "county", "采购审批")]


def test_a_save_made_meanwhile_by_somebody_else_is_not_overwritten_unseen(testapp, admin, platform, dbsession):
    save_directly(platform, simple_definition(), admin.id)
    form = testapp.get(f"/admin/workflows/{KEY}/edit").forms["workflow-form"]
    save_directly(platform, simple_definition(KEY, "采购审批（他人修改）"), admin.id)
    form["title"] = "采购审批（我的修改）"
    page = form.submit("op", value="save", status=409)
    assert "已被他人保存为第 2 版" in page.text
    assert page.forms["workflow-form"]["title"].value == "采购审批（我的修改）"
    page.forms["workflow-form"].submit("op", value="save", status=302)
    assert [title for _v, _o, title in stored_versions(dbsession, KEY)][-1] == "采购审批（我的修改）"


def test_restoring_a_plugins_default(testapp, admin, platform, dbsession, monkeypatch):
    default = simple_definition("content.review", "稿件审核")
    monkeypatch.setattr(platform.plugins, "workflows", {"content.review": default})
    page = testapp.get("/admin/workflows/content.review")
    assert page.forms.get("restore") is None if hasattr(page.forms, "get") else True
    assert page.html.select_one('form[action="/admin/workflows/content.review/restore"]') is None
    assert "尚无保存的版本" in page.text

    form = page.click(href="/admin/workflows/content.review/edit").forms["workflow-form"]
    form["title"] = "稿件审核（本县）"
    form.submit("op", value="save").follow()
    # The default is stored first, so the county's change is version 2.
    assert stored_versions(dbsession, "content.review") == [(1, "plugin", "稿件审核"), (2, "county", "稿件审核（本县）")]

    start = last_audit_id(dbsession)
    page = testapp.get("/admin/workflows/content.review")
    restore = page.html.select_one('form[action="/admin/workflows/content.review/restore"]')
    assert restore is not None
    page = testapp.post("/admin/workflows/content.review/restore", {"csrf_token": csrf_token(testapp)}).follow()
    assert "已恢复为插件提供的默认流程，保存为第 3 版" in page.text
    assert stored_versions(dbsession, "content.review")[-1] == (3, "plugin", "稿件审核")
    [(record, summary)] = audits(dbsession, "workflow.definition_save", start)
    assert summary["via"] == "restore" and summary["origin"] == "plugin"
    assert page.html.select_one('form[action="/admin/workflows/content.review/restore"]') is None
    testapp.post(f"/admin/workflows/{KEY}/restore", {"csrf_token": csrf_token(testapp)}, status=404)


def test_copying_a_procedure_as_a_new_one(testapp, admin, platform, dbsession):
    save_directly(platform, simple_definition(), admin.id)
    page = testapp.get(f"/admin/workflows/{KEY}").click(href="/admin/workflows/new\\?from=")
    form = page.forms["workflow-form"]
    assert form["key"].value == "" and form["title"].value == "采购审批（副本）"
    assert form["step-1-title"].value == "领导审批"
    page = form.submit("op", value="save", status=400)
    assert field_error(page, "wf-key") == "请填写流程标识，如 county.purchase"
    form = page.forms["workflow-form"]
    form["key"] = KEY
    page = form.submit("op", value="save", status=400)
    assert field_error(page, "wf-key") == f"流程标识“{KEY}”已被使用，请换一个"
    form = page.forms["workflow-form"]
    form["key"] = "new"
    assert "保留字" in field_error(form.submit("op", value="save", status=400), "wf-key")
    form["key"] = "county.purchase_copy"
    form.submit("op", value="save", status=302)
    assert stored_versions(dbsession, "county.purchase_copy") == [(1, "county", "采购审批（副本）")]


# --- the edit buttons ---------------------------------------------------------------------------

def test_moving_and_removing_steps_keeps_the_choices_that_point_at_steps(testapp, admin, platform, dbsession):
    save_directly(platform, simple_definition(KEY, "采购审批",
                                              Step("s1", "甲", actors=(Actor(ACTOR_ROLE, "chief_editor"),)),
                                              Step("s2", "乙", actors=(Actor(ACTOR_ROLE, "chief_editor"),)),
                                              Step("s3", "丙", actors=(Actor(ACTOR_ROLE, "chief_editor"),), on_reject="s1")),
                  admin.id)
    form = testapp.get(f"/admin/workflows/{KEY}/edit").forms["workflow-form"]
    form["step-0-key"] = "first"  # renamed: the choice pointing at it follows
    page = form.submit("op", value="down-0")
    form = page.forms["workflow-form"]
    assert [form[f"step-{n}-title"].value for n in range(3)] == ["乙", "甲", "丙"]
    assert page.html.select_one("#step-1-down").has_attr("autofocus")
    page = form.submit("op", value="up-2")
    form = page.forms["workflow-form"]
    assert [form[f"step-{n}-title"].value for n in range(3)] == ["乙", "丙", "甲"]
    form.submit("op", value="save", status=302)
    with platform.unit_of_work() as uow:
        definition = Workflows(platform, uow).current(KEY).definition
    assert [(step.key, step.on_reject) for step in definition.steps] == [
        ("s2", "end:rejected"), ("s3", "first"), ("first", "end:rejected")]

    form = testapp.get(f"/admin/workflows/{KEY}/edit").forms["workflow-form"]
    page = form.submit("op", value="remove_step-2")
    assert "已删除步骤“甲”；指向它的步骤（丙）已改为默认去向，请检查。" in page.text
    form = page.forms["workflow-form"]
    assert form["steps"].value == "2" and form["step-1-on_reject"].value == "end:rejected"
    page = form.submit("op", value="remove_actor-1-0")
    form = page.forms["workflow-form"]
    assert form["step-1-actors"].value == "0"
    page = form.submit("op", value="save", status=400)
    assert field_error(page, "step-1-actors") == "第 2 步“丙”至少需要一位审批人"


# --- refusals -----------------------------------------------------------------------------------

def new_procedure_form(testapp, steps):
    """The new-procedure form with ``steps`` filled in: (title, kind, extra fields) each."""
    form = testapp.get("/admin/workflows/new").forms["workflow-form"]
    for _extra in steps[1:]:
        form = form.submit("op", value="add_step").forms["workflow-form"]
    form["key"] = "county.broken"
    form["title"] = "有问题的流程"
    uids = [form[f"step-{n}-uid"].value for n in range(len(steps))]
    for n, (title, fields) in enumerate(steps):
        form[f"step-{n}-title"] = title
        fill_actor(form, n, 0, ACTOR_ROLE, "chief_editor")
        for name, value in fields.items():
            form[f"step-{n}-{name}"] = uids[value] if isinstance(value, int) else value
    return form


@pytest.mark.parametrize("steps, where, message", [
    ([("甲", {"next": 1, "on_reject": 1}), ("乙", {"next": 0, "on_reject": 0})],
     "steps", "从步骤“甲”出发无法结束流程（形成死循环）"),
    ([("甲", {"next": END_APPROVED}), ("乙", {})], "steps", "步骤“乙”无法到达：没有任何步骤通向它"),
    ([("甲", {}), ("公示", {"kind": STEP_PUBLICITY, "publicity_amount": "5"})],
     "step-1-on_objection", "第 2 步“公示”须指定有异议时转到的步骤"),
    ([("甲", {}), ("乙", {"actor-0-role": ""})], "step-1-actors", "第 2 步“乙”至少需要一位审批人"),
    ([("甲", {"actor-0-kind": ACTOR_PERSON, "actor-0-role": ""})], "step-0-actors", "第 1 步“甲”须选择具体人员"),
    ([("甲", {"deadline_amount": "三天"})], "step-0-deadline", "第 1 步的办理时限须为整数"),
    ([("", {})], "step-0-title", "请填写第 1 步的名称（不超过 60 个字）"),
    ([("甲", {"key": "第一步"})], "step-0-key", "第 1 步的标识须以小写字母开头，只含小写字母、数字和下划线"),
])
def test_invalid_procedures_are_refused_with_the_input_kept(testapp, admin, dbsession, steps, where, message):
    form = new_procedure_form(testapp, steps)
    posted = {name: field.value for name, field in form.field_order if name and hasattr(field, "value")}
    page = form.submit("op", value="save", status=400)
    assert message in page.html.select_one("#form-errors").get_text()
    if where == "steps":
        assert message in page.html.select_one("#steps-errors").get_text()
    else:
        assert message in field_error(page, where)
        assert page.html.select_one(f"#{where}-error") is not None
    again = page.forms["workflow-form"]
    kept = {name: field.value for name, field in again.field_order if name and hasattr(field, "value")}
    for name, value in posted.items():
        if name not in ("op", "csrf_token") and not name.endswith("uid"):
            assert kept.get(name) == value, name
    assert stored_versions(dbsession, "county.broken") == []


# --- export and import --------------------------------------------------------------------------

def import_file(testapp, content: bytes, name="flow.json", status=302, note=""):
    return testapp.post("/admin/workflows/import", {"csrf_token": csrf_token(testapp), "note": note},
                        upload_files=[("file", name, content)], status=status)


def test_export_then_import_round_trips(testapp, admin, signers, platform, dbsession):
    original = Definition(KEY, "采购审批", (
        Step("s1", "科室审核", actors=(Actor(ACTOR_ROLE, "chief_editor"),), deadline=Duration(3, UNIT_WORKING_DAYS)),
        Step("s2", "会签", mode=MODE_ALL, opinion_required=True,
             actors=(Actor(ACTOR_PERSON, user_id=signers["signer-a"].id), Actor(ACTOR_PERSON, user_id=signers["signer-b"].id))),
        Step("s3", "公示", kind=STEP_PUBLICITY, publicity=Duration(5, UNIT_CALENDAR_DAYS), on_objection="s1"),
    ), description="县级采购", general=True, reminder_hours=8)
    save_directly(platform, original, admin.id)

    response = testapp.get(f"/admin/workflows/{KEY}/export")
    assert response.content_type == "application/json"
    assert response.headers["Content-Disposition"] == f'attachment; filename="{KEY}-v1.json"'
    data = json.loads(response.body.decode("utf-8"))
    assert data == to_data(original) and data["format"] == JSON_FORMAT

    # Imported under another key: a new procedure, the same in every other respect.
    data["key"] = "county.purchase_shared"
    start = last_audit_id(dbsession)
    page = import_file(testapp, json.dumps(data, ensure_ascii=False).encode("utf-8")).follow()
    assert "已导入流程“采购审批”，保存为第 1 版" in page.text
    exported = json.loads(testapp.get("/admin/workflows/county.purchase_shared/export").body)
    assert exported == data
    [record] = records_since(dbsession, start)
    summary = json.loads(record.summary)
    assert (record.action, summary["via"], summary["file"]) == ("workflow.definition_save", "import", "flow.json")
    assert summary["note"] == "从文件“flow.json”导入"

    # The same file again changes nothing; a changed one becomes the next version.
    page = import_file(testapp, json.dumps(data).encode()).follow()
    assert "导入的流程与当前版本相同，未生成新版本" in page.text
    data["title"] = "采购审批（修订）"
    import_file(testapp, json.dumps(data).encode(), note="采用市里的版本")
    assert stored_versions(dbsession, "county.purchase_shared") == [
        (1, "county", "采购审批"), (2, "county", "采购审批（修订）")]
    versions = testapp.get("/admin/workflows/county.purchase_shared").html.select_one("#version-2").get_text()
    assert "采用市里的版本" in versions

    # Old versions export under their own number.
    response = testapp.get("/admin/workflows/county.purchase_shared/export?version=1")
    assert 'filename="county.purchase_shared-v1.json"' in response.headers["Content-Disposition"]
    assert json.loads(response.body)["title"] == "采购审批"
    testapp.get("/admin/workflows/county.purchase_shared/export?version=9", status=404)


def definition_file(**changes):
    data = to_data(simple_definition())
    data.update(changes)
    return json.dumps(data, ensure_ascii=False).encode("utf-8")


@pytest.mark.parametrize("content, message", [
    (b"\x89PNG\r\n\x1a\n binary", "文件不是 UTF-8 编码的文本"),
    (b"{not json", "文件内容不是有效的 JSON"),
    (b"[" * 100000, "文件内容不是有效的 JSON"),
    (json.dumps({"key": KEY, "steps": []}).encode(), "不是 govcore 流程定义文件（缺少 format: govcore.workflow/1）"),
    (json.dumps({"format": JSON_FORMAT, "key": KEY, "title": "x", "steps": [{"title": "无标识"}]}).encode(),
     "流程定义文件格式有误"),
    (json.dumps({"format": JSON_FORMAT, "key": KEY, "title": "x", "steps": "many"}).encode(), "流程定义文件格式有误"),
    (b"", "上传的文件是空的"),
    (b" " * (200 * 1024 + 1), "文件不能超过 200 KB"),
    (definition_file(key="Bad Key"), "流程标识须以小写字母开头"),
    (definition_file(key="import"), "“import”是保留字，不能作为流程标识"),
    (definition_file(steps=[{"key": "s1", "title": "审核", "actors": [{"kind": "role", "role": "mayor"}]}]),
     "第 1 步的角色“mayor”不存在"),
    (definition_file(steps=[{"key": "s1", "title": "审核", "actors": [{"kind": "person", "user_id": 987654}]}]),
     "第 1 步“审核”的指定人员（编号 987654）不是本系统在职的工作人员，请重新选择"),
])
def test_importing_a_bad_file_says_why_and_stores_nothing(testapp, admin, dbsession, content, message):
    start = last_audit_id(dbsession)
    stored = dbsession.scalar(select(func.count()).select_from(WorkflowDefinitionRow))
    page = import_file(testapp, content, name="shared.json", status=400)
    assert message in page.html.select_one("#import-errors").get_text()
    assert page.html.select_one("#import-file")["aria-invalid"] == "true"
    dbsession.expire_all()
    assert dbsession.scalar(select(func.count()).select_from(WorkflowDefinitionRow)) == stored
    [record] = records_since(dbsession, start)
    assert (record.action, record.result) == ("workflow.definition_import", "failure")
    summary = json.loads(record.summary)
    assert summary["file"] == "shared.json" and any(message in problem for problem in summary["problems"])


def test_importing_without_a_file(testapp, admin):
    page = testapp.post("/admin/workflows/import", {"csrf_token": csrf_token(testapp)}, status=400)
    assert "请选择要导入的 .json 文件" in page.html.select_one("#import-errors").get_text()


# --- rights and page safety ---------------------------------------------------------------------

@pytest.mark.parametrize("roles", [["department_admin"], ["chief_editor"], []])
def test_without_workflow_design_every_page_is_forbidden(testapp, dbsession, make_user, login, platform, roles):
    owner = person(dbsession, make_user, "owner", [])
    save_directly(platform, simple_definition(), owner.id)
    sign_in(testapp, login, person(dbsession, make_user, "clerk", roles))
    for path in ("/admin/workflows", "/admin/workflows/new", f"/admin/workflows/{KEY}",
                 f"/admin/workflows/{KEY}/edit", f"/admin/workflows/{KEY}/versions/1", f"/admin/workflows/{KEY}/export"):
        testapp.get(path, status=403)
    token = csrf_token(testapp)
    testapp.post("/admin/workflows/new", {"csrf_token": token, "op": "save", "key": "county.x"}, status=403)
    testapp.post(f"/admin/workflows/{KEY}/edit", {"csrf_token": token, "op": "save"}, status=403)
    testapp.post(f"/admin/workflows/{KEY}/restore", {"csrf_token": token}, status=403)
    testapp.post("/admin/workflows/import", {"csrf_token": token}, upload_files=[("file", "f.json", definition_file())],
                 status=403)
    assert stored_versions(dbsession, KEY) == [(1, "county", "采购审批")]


def test_changes_need_the_csrf_token(testapp, admin, dbsession):
    testapp.post("/admin/workflows/new", {"op": "save", "key": "county.x"}, status=400)
    testapp.post("/admin/workflows/import", {}, upload_files=[("file", "f.json", definition_file())], status=400)
    assert stored_versions(dbsession, KEY) == []


def test_titles_are_escaped_and_the_pages_need_no_inline_script_or_style(testapp, admin, platform):
    save_directly(platform, simple_definition(KEY, "<script>alert(1)</script>&",
                                              Step("s1", "<b>审核</b>", actors=(Actor(ACTOR_ROLE, "chief_editor"),))),
                  admin.id)
    for path in (f"/admin/workflows/{KEY}", f"/admin/workflows/{KEY}/versions/1", f"/admin/workflows/{KEY}/edit",
                 "/admin/workflows"):
        page = testapp.get(path)
        assert "<script>alert" not in page.text and "<b>审核" not in page.text
        assert not page.html.select("[style]")
        assert all(script.has_attr("src") for script in page.html.select("script"))
    root = diagram_of(testapp.get(f"/admin/workflows/{KEY}"))
    assert "1. <b>审核</b>" in svg_texts(root)
    assert root.get("role") == "img" and "<script>alert(1)</script>&" in root.get("aria-label")


def test_the_general_settings_are_checked_too(testapp, admin, dbsession):
    form = new_procedure_form(testapp, [("甲", {})])
    form["title"] = ""
    form["reminder_hours"] = "明天"
    form["escalate_role"].force_value("mayor")
    page = form.submit("op", value="save", status=400)
    assert field_error(page, "wf-title") == "请填写流程名称（不超过 60 个字）"
    assert field_error(page, "wf-reminder") == "提前提醒时间须为整数小时（0 表示不提醒）"
    assert field_error(page, "wf-escalate") == "超期督办角色“mayor”不存在"
    again = page.forms["workflow-form"]
    assert (again["reminder_hours"].value, again["escalate_role"].value) == ("明天", "mayor")
    assert stored_versions(dbsession, "county.broken") == []
