"""The organisation tree in the staff area: add, change, move, reorder, disable, import units."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from adapters.db.orm import AuditRecord, OrgUnit
from adapters.testing.pytest_plugin import csrf_token
from tests.functional.signin import person, sign_in


@pytest.fixture
def admin(testapp, dbsession, make_user, login):
    user = person(dbsession, make_user, "orgadmin", ["system_admin"])
    sign_in(testapp, login, user)
    return user


@pytest.fixture
def county(dbsession):
    """测试县 with 东城镇 (甲村, 乙村) and 县测试局; the example county may have units of its own."""
    def unit(name, kind, parent=None, code=None, position=0):
        row = OrgUnit(name=name, kind=kind, code=code, position=position, disabled=False,
                      parent_id=parent.id if parent else None)
        dbsession.add(row)
        dbsession.flush()
        return row

    root = unit("测试县", "county", code="T-000")
    town = unit("东城镇", "township", root, "T-100", 0)
    units = {"测试县": root, "东城镇": town, "甲村": unit("甲村", "village", town, None, 0),
             "乙村": unit("乙村", "village", town, None, 1), "县测试局": unit("县测试局", "department", root, "T-200", 1)}
    dbsession.commit()
    return {name: row.id for name, row in units.items()}


def audits(dbsession, action):
    rows = dbsession.scalars(select(AuditRecord).where(AuditRecord.action == action).order_by(AuditRecord.id)).all()
    return [(row, json.loads(row.summary)) for row in rows]


def unit_row(dbsession, unit_id):
    dbsession.expire_all()
    return dbsession.get(OrgUnit, unit_id)


def xlsx(rows, headers=("上级单位路径", "上级单位编码", "单位名称", "类型", "编码")) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(testapp, path, name, content, status=200):
    return testapp.post(path, {"csrf_token": csrf_token(testapp)}, upload_files=[("file", name, content)],
                        status=status)


# --- access ---------------------------------------------------------------------------------------

def test_only_org_managers_open_the_tree(testapp, make_user, login):
    testapp.get("/admin/org", status=302)
    make_user("deptadmin", roles=["department_admin"])
    login("deptadmin")
    testapp.get("/admin/org", status=403)
    testapp.get("/admin/org/template.xlsx", status=403)


def test_the_tree_shows_every_level_with_kind_labels_and_staff_links(testapp, admin, county):
    page = testapp.get("/admin/org")
    village = page.html.select_one(f"#unit-{county['甲村']}")
    assert village.select_one(".org-name").get_text() == "甲村" and "村" in village.get_text()
    town = page.html.select_one(f"#unit-{county['东城镇']}")
    assert "乡镇" in town.select_one(".org-label").get_text() and "T-100" in town.get_text()
    # Nested: the village sits inside the township's list item.
    assert town.select_one(f"#unit-{county['甲村']}") is not None
    assert f"/admin/users?unit={county['甲村']}" in str(village)
    assert "组织机构" in page.html.select_one("nav.admin-menu").get_text()


# --- add and edit ---------------------------------------------------------------------------------

def test_add_a_unit_under_another_and_it_is_audited(testapp, admin, county, dbsession):
    form = testapp.get(f"/admin/org/add?parent={county['东城镇']}").forms[1]
    assert form["parent"].value == str(county["东城镇"])
    assert form["kind"].value == "village"  # proposed for a township's children
    form["name"] = "丙村"
    form["code"] = "T-103"
    response = form.submit(status=302)
    new = dbsession.scalar(select(OrgUnit).where(OrgUnit.code == "T-103"))
    assert new.parent_id == county["东城镇"] and new.kind == "village" and new.position == 2
    assert response.location.endswith(f"/admin/org#unit-{new.id}")
    page = response.follow()
    assert "已新增单位“丙村”" in page.text
    record, summary = audits(dbsession, "org.create")[-1]
    assert record.actor_login == "orgadmin" and record.object_type == "org_unit" and record.object_id == str(new.id)
    assert summary == {"name": "丙村", "kind": "village", "code": "T-103", "parent": "测试县 / 东城镇"}


def test_a_refused_unit_keeps_what_was_typed_with_chinese_errors(testapp, admin, county):
    form = testapp.get(f"/admin/org/add?parent={county['东城镇']}").forms[1]
    form["name"] = "甲村"
    form["code"] = "T 1"
    page = form.submit(status=400)
    errors = page.html.select_one("#form-errors").get_text()
    assert "同一上级单位下已有名为“甲村”的单位" in errors
    assert "编码只能包含字母、数字、点、下划线和连字符" in errors
    again = page.forms[1]
    assert (again["name"].value, again["code"].value, again["parent"].value) == ("甲村", "T 1", str(county["东城镇"]))
    assert page.html.select_one("#name")["aria-invalid"] == "true"


def test_a_village_needs_a_township_above_it(testapp, admin, county):
    form = testapp.get(f"/admin/org/add?parent={county['县测试局']}").forms[1]
    form["name"] = "丁村"
    form["kind"] = "village"
    assert "村不能设在部门“县测试局”之下" in form.submit(status=400).text


def test_rename_recode_and_change_kind(testapp, admin, county, dbsession):
    form = testapp.get(f"/admin/org/{county['县测试局']}/edit").forms[1]
    assert form["name"].value == "县测试局"
    form["name"] = "县测试和检验局"
    form["code"] = "T-201"
    form["kind"] = "other"
    assert "已保存单位" in form.submit(status=302).follow().text
    unit = unit_row(dbsession, county["县测试局"])
    assert (unit.name, unit.code, unit.kind) == ("县测试和检验局", "T-201", "other")
    _record, summary = audits(dbsession, "org.update")[-1]
    assert summary == {"unit": "测试县 / 县测试局", "changes": {
        "name": ["县测试局", "县测试和检验局"], "code": ["T-200", "T-201"], "kind": ["department", "other"]}}


def test_a_code_is_unique(testapp, admin, county):
    form = testapp.get(f"/admin/org/{county['县测试局']}/edit").forms[1]
    form["code"] = "T-100"
    assert "编码“T-100”已被“测试县 / 东城镇”使用" in form.submit(status=400).text


def test_move_a_unit_and_refuse_a_move_under_itself(testapp, admin, county, dbsession):
    form = testapp.get(f"/admin/org/add?parent={county['测试县']}").forms[1]
    form["name"], form["kind"] = "西城镇", "township"
    form.submit(status=302)
    west = dbsession.scalar(select(OrgUnit).where(OrgUnit.name == "西城镇"))

    form = testapp.get(f"/admin/org/{county['乙村']}/edit").forms[1]
    # The choices leave out the unit itself; its current parent is chosen.
    choices = [value for value, _selected, _text in form["parent"].options]
    assert str(county["乙村"]) not in choices and form["parent"].value == str(county["东城镇"])
    form["parent"] = str(west.id)
    form.submit(status=302)
    assert unit_row(dbsession, county["乙村"]).parent_id == west.id
    _record, summary = audits(dbsession, "org.move")[-1]
    assert summary["changes"] == {"parent": ["测试县 / 东城镇", "测试县 / 西城镇"]}

    token = csrf_token(testapp)
    for target in ("东城镇", "甲村"):
        page = testapp.post(f"/admin/org/{county['东城镇']}/edit", {
            "csrf_token": token, "parent": str(county[target]), "name": "东城镇", "kind": "township",
            "code": "T-100"}, status=400)
        assert "不能把单位移到它自己或它的下级单位之下" in page.text
        assert page.forms[1]["name"].value == "东城镇"
    assert unit_row(dbsession, county["东城镇"]).parent_id == county["测试县"]


def buttons(page, unit_id):
    row = page.html.select_one(f"#unit-{unit_id} > .org-row")
    return [button["value"] for button in row.select("button[name=direction]")]


def test_reorder_siblings_with_up_and_down(testapp, admin, county, dbsession):
    testapp.post("/admin/org/add", {"csrf_token": csrf_token(testapp), "parent": str(county["测试县"]),
                                    "name": "西城镇", "kind": "township", "code": ""}, status=302)
    page = testapp.get("/admin/org")
    assert buttons(page, county["甲村"]) == ["down"] and buttons(page, county["乙村"]) == ["up"]
    # Each level knows its own first and last, whatever the levels beneath it hold.
    assert buttons(page, county["东城镇"]) == ["down"] and buttons(page, county["县测试局"]) == ["up", "down"]
    token = csrf_token(testapp)
    testapp.post(f"/admin/org/{county['乙村']}/shift", {"csrf_token": token, "direction": "up"}, status=302)
    town = testapp.get("/admin/org").html.select_one(f"#unit-{county['东城镇']}")
    assert [n.get_text() for n in town.select(":scope > ul .org-name")] == ["乙村", "甲村"]
    record, summary = audits(dbsession, "org.reorder")[-1]
    assert record.object_id == str(county["乙村"]) and summary["direction"] == "up"
    testapp.post(f"/admin/org/{county['乙村']}/shift", {"csrf_token": token, "direction": "down"}, status=302)
    town = testapp.get("/admin/org").html.select_one(f"#unit-{county['东城镇']}")
    assert [n.get_text() for n in town.select(":scope > ul .org-name")] == ["甲村", "乙村"]
    testapp.post(f"/admin/org/{county['乙村']}/shift", {"csrf_token": token, "direction": "sideways"}, status=404)


def test_disable_greys_the_unit_and_stops_newcomers_then_enable(testapp, admin, county, dbsession):
    token = csrf_token(testapp)
    testapp.post(f"/admin/org/{county['东城镇']}/disable", {"csrf_token": token}, status=302)
    page = testapp.get("/admin/org")
    town = page.html.select_one(f"#unit-{county['东城镇']}")
    assert "inactive" in town["class"] and "已停用" in town.select_one(".org-row").get_text()
    village = town.select_one(f"#unit-{county['甲村']}")
    assert "上级已停用" in village.get_text()
    assert "新增下级" not in village.select_one(".org-actions").get_text()
    # No new units under it, and no new staff in it (nor beneath it).
    refused = testapp.post("/admin/org/add", {"csrf_token": token, "parent": str(county["甲村"]), "name": "小组",
                                              "kind": "other", "code": ""}, status=400)
    assert "已停用，不能在其下增加单位" in refused.text
    staff = testapp.post("/admin/users/add", {"csrf_token": token, "login": "newbie", "display_name": "新人",
                                              "org_unit": str(county["甲村"]), "email": "", "mobile": ""}, status=400)
    assert "“测试县 / 东城镇 / 甲村”已停用，不能再增加工作人员" in staff.text
    assert audits(dbsession, "org.disable")[-1][1] == {"unit": "测试县 / 东城镇"}

    testapp.post(f"/admin/org/{county['东城镇']}/enable", {"csrf_token": token}, status=302)
    assert not unit_row(dbsession, county["东城镇"]).disabled
    assert audits(dbsession, "org.enable")[-1][0].object_id == str(county["东城镇"])


def test_changes_need_a_csrf_token(testapp, admin, county):
    testapp.post(f"/admin/org/{county['东城镇']}/disable", {}, status=400)
    testapp.post("/admin/org/add", {"name": "x", "kind": "other"}, status=400)


def test_an_unknown_unit_is_not_found(testapp, admin):
    testapp.get("/admin/org/999999/edit", status=404)
    testapp.post("/admin/org/999999/disable", {"csrf_token": csrf_token(testapp)}, status=404)


# --- import ---------------------------------------------------------------------------------------

def test_the_import_template_is_a_workbook_with_the_expected_columns(testapp, admin):
    response = testapp.get("/admin/org/template.xlsx")
    assert response.content_type == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in response.headers["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.body))
    assert [c.value for c in workbook.worksheets[0][1]] == ["上级单位路径", "上级单位编码", "单位名称", "类型", "编码"]
    assert workbook.sheetnames[1] == "说明"


def test_import_keeps_good_rows_and_reports_bad_ones(testapp, admin, county, dbsession):
    content = xlsx([
        ("测试县", None, "南城镇", "乡镇", "T-300"),
        ("测试县/南城镇", None, "南一村", "村", None),       # a parent made two rows up
        (None, "T-300", "南二村", "社区", "T-302"),
        ("测试县/东城镇", None, "甲村", "村", None),           # exists already
        ("测试县/不存在", None, "北村", "村", None),
        (None, None, None, None, None),                     # empty rows are skipped
        ("测试县/县测试局", None, "北村", "村", None),
        ("测试县", None, "县统计局", "局", 1234),
    ])
    page = upload(testapp, "/admin/org/import", "units.xlsx", content)
    assert "共 7 行，导入 3 个单位，4 行未导入" in page.html.select_one(".import-summary").get_text()
    problems = [[td.get_text() for td in tr.select("td")] for tr in page.html.select("#import-problems tbody tr")]
    assert ["5", "单位名称", "同一上级单位下已有名为“甲村”的单位"] in problems
    assert ["6", "上级单位路径", "找不到单位“测试县/不存在”"] in problems
    assert ["8", "上级单位路径", "村不能设在部门“县测试局”之下"] in problems
    assert ["9", "类型", "无法识别的类型“局”，可填：县、部门、乡镇、村、其他"] in problems
    created = [td.get_text() for td in page.html.select("#import-created tbody tr td:first-child")]
    assert created == ["测试县 / 南城镇", "测试县 / 南城镇 / 南一村", "测试县 / 南城镇 / 南二村"]
    south = dbsession.scalar(select(OrgUnit).where(OrgUnit.code == "T-302"))
    assert south.kind == "village"
    imported = [summary for _r, summary in audits(dbsession, "org.create") if summary.get("via") == "import"]
    assert [s["name"] for s in imported] == ["南城镇", "南一村", "南二村"]
    record, summary = audits(dbsession, "org.import")[-1]
    assert record.result == "success"
    assert summary == {"file": "units.xlsx", "rows": 7, "created": 3, "failed_rows": [5, 6, 8, 9]}


@pytest.mark.parametrize("name, content", [
    ("units.xlsx", "单位名称,类型\n南城镇,乡镇\n".encode()),
    ("units.xlsx", b"PK\x03\x04 not really a zip"),
    ("units.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512),
])
def test_anything_but_a_real_xlsx_is_refused(testapp, admin, dbsession, name, content):
    page = upload(testapp, "/admin/org/import", name, content, status=400)
    assert "文件不是有效的 Excel 工作簿（.xlsx）" in page.html.select_one("#import-error").get_text()
    record, summary = audits(dbsession, "org.import")[-1]
    assert record.result == "failure" and summary["file"] == name


def test_a_zip_that_is_no_workbook_is_refused(testapp, admin):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "你好")
    page = upload(testapp, "/admin/org/import", "units.xlsx", buffer.getvalue(), status=400)
    assert "文件不是有效的 Excel 工作簿" in page.text


def test_a_zip_bomb_is_refused_before_it_is_unpacked(testapp, admin):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (61 * 1024 * 1024))
    assert len(buffer.getvalue()) < 1024 * 1024
    page = upload(testapp, "/admin/org/import", "units.xlsx", buffer.getvalue(), status=400)
    assert "文件解压后过大，无法导入" in page.text


def test_a_sheet_without_the_required_columns_is_refused(testapp, admin):
    page = upload(testapp, "/admin/org/import", "units.xlsx", xlsx([("南城镇",)], headers=("名称",)), status=400)
    assert "表格第 1 行缺少这些列：“单位名称”、“类型”" in page.text


def test_an_oversized_upload_is_refused(testapp, admin):
    page = upload(testapp, "/admin/org/import", "big.xlsx", b"PK\x03\x04" + b"0" * (5 * 1024 * 1024), status=400)
    assert "文件不能超过 5 MB" in page.text


def test_an_upload_without_a_file_is_refused(testapp, admin):
    page = testapp.post("/admin/org/import", {"csrf_token": csrf_token(testapp)}, status=400)
    assert "请选择要导入的 .xlsx 文件" in page.text
