"""Staff accounts in the staff area: list, create, edit, disable, reset, import, and scoped managers."""

from __future__ import annotations

import datetime as dt
import io
import json
import re

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from adapters.db.orm import AuditRecord, OrgUnit, User
from adapters.testing.pytest_plugin import TEST_PASSWORD, csrf_token
from adapters.web.views.org_staff import users as users_views
from govcore.core_plugin import ORG_UNIT_SCOPE
from tests.functional.signin import person, sign_in


@pytest.fixture
def county(dbsession):
    """测试县 with 东城镇 (甲村, 乙村), 西城镇 and 县测试局."""
    def unit(name, kind, parent=None, code=None):
        row = OrgUnit(name=name, kind=kind, code=code, position=0, disabled=False,
                      parent_id=parent.id if parent else None)
        dbsession.add(row)
        dbsession.flush()
        return row

    root = unit("测试县", "county", code="S-000")
    east = unit("东城镇", "township", root, "S-100")
    units = {"测试县": root, "东城镇": east, "甲村": unit("甲村", "village", east, "S-101"),
             "乙村": unit("乙村", "village", east), "西城镇": unit("西城镇", "township", root, "S-200"),
             "县测试局": unit("县测试局", "department", root, "S-300")}
    dbsession.commit()
    return {name: row.id for name, row in units.items()}


@pytest.fixture
def admin(testapp, dbsession, make_user, login):
    user = person(dbsession, make_user, "sysadmin1", ["system_admin"])
    sign_in(testapp, login, user)
    return user


def staff(dbsession, login, unit_id, name=None, active=True):
    """A staff account without the cost of a password hash (it never signs in)."""
    user = User(login=login, display_name=name or login, kind="staff", org_unit_id=unit_id, is_active=active,
                password_hash="!", created_at=dt.datetime.now(dt.timezone.utc))
    dbsession.add(user)
    dbsession.commit()
    return user


def audits(dbsession, action):
    rows = dbsession.scalars(select(AuditRecord).where(AuditRecord.action == action).order_by(AuditRecord.id)).all()
    return [(row, json.loads(row.summary)) for row in rows]


def account(dbsession, login):
    dbsession.expire_all()
    return dbsession.scalar(select(User).where(User.login == login))


def logins(page):
    return [a.get_text() for a in page.html.select("#staff-list tbody th a")]


def xlsx(rows, headers=("登录名", "姓名", "所属单位路径", "所属单位编码", "邮箱", "手机")) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- the list -------------------------------------------------------------------------------------

def test_list_filters_by_unit_subtree_search_and_status(testapp, admin, county, dbsession):
    staff(dbsession, "s-zhang", county["甲村"], "张三")
    staff(dbsession, "s-li", county["乙村"], "李四", active=False)
    staff(dbsession, "s-wang", county["西城镇"], "王五")
    page = testapp.get("/admin/users", {"unit": county["东城镇"]})
    assert logins(page) == ["s-li", "s-zhang"]
    assert "已停用" in page.html.select("#staff-list tbody tr")[0].get_text()
    assert logins(testapp.get("/admin/users", {"unit": county["东城镇"], "status": "active"})) == ["s-zhang"]
    assert logins(testapp.get("/admin/users", {"unit": county["东城镇"], "status": "disabled"})) == ["s-li"]
    assert logins(testapp.get("/admin/users", {"q": "王"})) == ["s-wang"]
    assert logins(testapp.get("/admin/users", {"q": "S-ZH"})) == ["s-zhang"]
    # A search for LIKE wildcards finds them literally.
    assert logins(testapp.get("/admin/users", {"q": "%"})) == []
    form = page.forms[1]
    assert form["unit"].value == str(county["东城镇"])


def test_list_pages_by_keyset(testapp, admin, county, dbsession, monkeypatch):
    monkeypatch.setattr(users_views, "PAGE_SIZE", 2)
    for name in ("p-a", "p-b", "p-c", "p-d", "p-e"):
        staff(dbsession, name, county["县测试局"])
    first = testapp.get("/admin/users", {"unit": county["县测试局"]})
    assert logins(first) == ["p-a", "p-b"] and first.html.select_one("a[rel=prev]") is None
    second = testapp.get(first.html.select_one("a[rel=next]")["href"])
    assert logins(second) == ["p-c", "p-d"]
    third = testapp.get(second.html.select_one("a[rel=next]")["href"])
    assert logins(third) == ["p-e"] and third.html.select_one("a[rel=next]") is None
    back = testapp.get(third.html.select_one("a[rel=prev]")["href"])
    assert logins(back) == ["p-c", "p-d"]
    assert logins(testapp.get(back.html.select_one("a[rel=prev]")["href"])) == ["p-a", "p-b"]


# --- create ---------------------------------------------------------------------------------------

def test_create_shows_the_one_time_password_once_and_audits_without_it(testapp, admin, county, dbsession, mail,
                                                                       login):
    form = testapp.get(f"/admin/users/add?unit={county['甲村']}").forms[1]
    assert form["org_unit"].value == str(county["甲村"])
    form["login"] = "zhaoliu"
    form["display_name"] = "赵六"
    form["email"] = "zhaoliu@example.cn"
    form["mobile"] = "138 0013 8000"
    page = form.submit(status=200)
    assert page.headers["Cache-Control"] == "no-store"
    password = page.html.select_one("#one-time-password").get_text()
    assert len(password) >= 12 and "只显示这一次" in page.text
    user = account(dbsession, "zhaoliu")
    assert (user.display_name, user.org_unit_id, user.email, user.mobile) == (
        "赵六", county["甲村"], "zhaoliu@example.cn", "13800138000")
    assert user.must_change_password and user.is_active and user.kind == "staff"
    assert password not in testapp.get(f"/admin/users/{user.id}").text
    record, summary = audits(dbsession, "user.create")[-1]
    assert record.object_id == str(user.id) and record.actor_login == "sysadmin1"
    assert summary == {"login": "zhaoliu", "display_name": "赵六", "org_unit": "测试县 / 东城镇 / 甲村",
                       "email": "zhaoliu@example.cn", "mobile": "138****8000"}  # personal data: masked
    assert password not in record.summary
    # The notice goes out by mail, without the password.
    assert [m.to for m in mail.sent] == [("zhaoliu@example.cn",)]
    assert "zhaoliu" in mail.sent[0].body and password not in mail.sent[0].body
    # The person signs in with it and must choose their own password first.
    testapp.post("/logout", {"csrf_token": csrf_token(testapp)})
    assert login("zhaoliu", password).location.endswith("/account/password")


def test_a_refused_account_keeps_what_was_typed(testapp, admin, county, make_user):
    make_user("taken")
    form = testapp.get("/admin/users/add").forms[1]
    form["login"] = "Taken"
    form["display_name"] = "重名"
    form["email"] = "not-an-address"
    form["mobile"] = "12345"
    page = form.submit(status=400)
    errors = page.html.select_one("#form-errors").get_text()
    for expected in ("登录名“Taken”已被使用", "请选择所属单位", "邮箱地址格式不正确", "手机号码应为 11 位数字，以 1 开头"):
        assert expected in errors
    again = page.forms[1]
    assert (again["login"].value, again["display_name"].value, again["email"].value, again["mobile"].value) == (
        "Taken", "重名", "not-an-address", "12345")
    assert page.html.select_one("#login")["aria-invalid"] == "true"


# --- edit, disable, enable, reset -----------------------------------------------------------------

def test_edit_records_the_changed_fields(testapp, admin, county, dbsession):
    user = staff(dbsession, "e-user", county["甲村"], "旧名")
    form = testapp.get(f"/admin/users/{user.id}/edit").forms[1]
    assert form["display_name"].value == "旧名" and "login" not in form.fields
    form["display_name"] = "新名"
    form["org_unit"] = str(county["西城镇"])
    form["email"] = "new@example.cn"
    form.submit(status=302).follow()
    changed = account(dbsession, "e-user")
    assert (changed.display_name, changed.org_unit_id, changed.email) == ("新名", county["西城镇"], "new@example.cn")
    _record, summary = audits(dbsession, "user.update")[-1]
    assert summary == {"login": "e-user", "changes": {
        "display_name": ["旧名", "新名"], "org_unit": ["测试县 / 东城镇 / 甲村", "测试县 / 西城镇"],
        "email": [None, "new@example.cn"]}}
    # A bad edit keeps the input and changes nothing.
    form = testapp.get(f"/admin/users/{user.id}/edit").forms[1]
    form["display_name"] = ""
    page = form.submit(status=400)
    assert "请填写姓名" in page.text and page.forms[1]["email"].value == "new@example.cn"


def test_a_disabled_account_cannot_sign_in_until_enabled(testapp, admin, county, dbsession, make_user, login):
    user = make_user("d-user")
    dbsession.get(User, user.id).org_unit_id = county["甲村"]
    dbsession.commit()
    token = csrf_token(testapp)
    testapp.post(f"/admin/users/{user.id}/disable", {"csrf_token": token}, status=302)
    assert not account(dbsession, "d-user").is_active
    assert audits(dbsession, "user.disable")[-1][1] == {"login": "d-user"}
    assert "已停用，不能登录" in testapp.get(f"/admin/users/{user.id}").text
    testapp.post(f"/admin/users/{user.id}/enable", {"csrf_token": token}, status=302)
    assert account(dbsession, "d-user").is_active
    assert audits(dbsession, "user.enable")[-1][0].object_id == str(user.id)
    testapp.post(f"/admin/users/{user.id}/disable", {"csrf_token": token}, status=302)
    testapp.post("/logout", {"csrf_token": token})
    page = testapp.post("/login", {"login": "d-user", "password": TEST_PASSWORD, "csrf_token": csrf_token(testapp)},
                        expect_errors=True)
    assert page.status_int != 302


def test_reset_gives_a_new_one_time_password_once(testapp, admin, county, dbsession, make_user, login, mail):
    user = make_user("r-user")
    row = dbsession.get(User, user.id)
    row.org_unit_id, row.email = county["乙村"], "r-user@example.cn"
    dbsession.commit()
    page = testapp.post(f"/admin/users/{user.id}/reset-password", {"csrf_token": csrf_token(testapp)}, status=200)
    assert page.headers["Cache-Control"] == "no-store"
    password = page.html.select_one("#one-time-password").get_text()
    assert account(dbsession, "r-user").must_change_password
    record, summary = audits(dbsession, "user.password_reset")[-1]
    assert summary == {"login": "r-user"} and password not in record.summary
    assert mail.sent[-1].to == ("r-user@example.cn",) and password not in mail.sent[-1].body
    testapp.post("/logout", {"csrf_token": csrf_token(testapp)})
    assert login("r-user", password).location.endswith("/account/password")


def test_managers_cannot_disable_or_reset_themselves(testapp, admin, county, dbsession):
    dbsession.get(User, admin.id).org_unit_id = county["测试县"]
    dbsession.commit()
    token = csrf_token(testapp)
    page = testapp.post(f"/admin/users/{admin.id}/disable", {"csrf_token": token}, status=400)
    assert "不能停用自己的账户" in page.html.select_one("#action-error").get_text()
    page = testapp.post(f"/admin/users/{admin.id}/reset-password", {"csrf_token": token}, status=400)
    assert "请通过“修改密码”更改您自己的密码" in page.text
    assert account(dbsession, "sysadmin1").is_active


def test_the_detail_page_shows_roles_read_only(testapp, admin, county, dbsession, make_user):
    holder = person(dbsession, make_user, "roleholder", ["department_admin"], scope=(ORG_UNIT_SCOPE, county["东城镇"]))
    holder.org_unit_id = county["东城镇"]
    dbsession.commit()
    page = testapp.get(f"/admin/users/{holder.id}")
    cells = [[td.get_text(strip=True) for td in tr.select("td")] for tr in page.html.select("#user-roles tbody tr")]
    assert cells == [["部门管理员", "组织机构：测试县 / 东城镇"]]
    assert not page.html.select("#user-roles form")


def test_only_staff_accounts_are_managed_here(testapp, admin, make_user):
    citizen = make_user("a-citizen", kind="citizen")
    testapp.get(f"/admin/users/{citizen.id}", status=404)
    testapp.get("/admin/users/999999", status=404)


# --- a department administrator limited to a subtree ----------------------------------------------

@pytest.fixture
def dept_admin(testapp, county, dbsession, make_user, login):
    """A 部门管理员 whose assignment is limited to 东城镇."""
    user = person(dbsession, make_user, "eastadmin", ["department_admin"], scope=(ORG_UNIT_SCOPE, county["东城镇"]))
    user.org_unit_id = county["东城镇"]
    dbsession.commit()
    sign_in(testapp, login, user)
    return user


def test_a_department_admin_sees_only_their_subtree(testapp, dept_admin, county, dbsession):
    inside = staff(dbsession, "in-user", county["甲村"])
    outside = staff(dbsession, "out-user", county["西城镇"])
    page = testapp.get("/admin/users")
    assert "in-user" in logins(page) and "out-user" not in logins(page)
    assert {o.get_text() for o in page.html.select("#unit option")} == {
        "全部", "测试县 / 东城镇", "测试县 / 东城镇 / 甲村", "测试县 / 东城镇 / 乙村"}
    # Asking for a unit outside changes nothing: the scope still applies.
    assert logins(testapp.get("/admin/users", {"unit": county["西城镇"]})) == []
    testapp.get(f"/admin/users/{inside.id}", status=200)
    token = csrf_token(testapp)
    testapp.get(f"/admin/users/{outside.id}", status=404)
    testapp.get(f"/admin/users/{outside.id}/edit", status=404)
    testapp.post(f"/admin/users/{outside.id}/disable", {"csrf_token": token}, status=404)
    testapp.post(f"/admin/users/{outside.id}/reset-password", {"csrf_token": token}, status=404)
    assert account(dbsession, "out-user").is_active
    testapp.get("/admin/org", status=403)


def test_a_department_admin_creates_accounts_only_in_their_subtree(testapp, dept_admin, county, dbsession):
    form = testapp.get("/admin/users/add").forms[1]
    options = [text for _value, _selected, text in form["org_unit"].options]
    assert "测试县 / 西城镇" not in options and "测试县 / 东城镇 / 甲村" in options
    token = csrf_token(testapp)
    page = testapp.post("/admin/users/add", {"csrf_token": token, "login": "outsider", "display_name": "外人",
                                             "org_unit": str(county["西城镇"]), "email": "", "mobile": ""}, status=400)
    assert "“测试县 / 西城镇”不在您的管理范围内" in page.text
    assert account(dbsession, "outsider") is None
    testapp.post("/admin/users/add", {"csrf_token": token, "login": "insider", "display_name": "自己人",
                                      "org_unit": str(county["乙村"]), "email": "", "mobile": ""}, status=200)
    assert account(dbsession, "insider").org_unit_id == county["乙村"]
    # Nor may an account be moved out of the subtree.
    insider = account(dbsession, "insider")
    page = testapp.post(f"/admin/users/{insider.id}/edit", {"csrf_token": token, "display_name": "自己人",
                                                            "org_unit": str(county["县测试局"]), "email": "",
                                                            "mobile": ""}, status=400)
    assert "不在您的管理范围内" in page.text


def test_a_department_admin_cannot_take_over_a_stronger_account(testapp, dept_admin, county, dbsession, make_user):
    strong = person(dbsession, make_user, "strong", ["system_admin"])
    strong.org_unit_id = county["甲村"]
    dbsession.commit()
    page = testapp.get(f"/admin/users/{strong.id}")
    assert "只能由系统管理员修改" in page.text and not page.html.select(".action-bar form")
    token = csrf_token(testapp)
    testapp.post(f"/admin/users/{strong.id}/reset-password", {"csrf_token": token}, status=403)
    testapp.post(f"/admin/users/{strong.id}/disable", {"csrf_token": token}, status=403)
    assert account(dbsession, "strong").is_active
    record, summary = audits(dbsession, "user.password_reset")[-1]
    assert record.result == "denied" and record.actor_login == "eastadmin" and summary == {"login": "strong"}


def test_a_department_admin_imports_only_into_their_subtree(testapp, dept_admin, county, dbsession):
    content = xlsx([("imp-in", "内", "测试县/东城镇/甲村", None, None, None),
                    ("imp-out", "外", None, "S-300", None, None)])
    page = testapp.post("/admin/users/import", {"csrf_token": csrf_token(testapp)},
                        upload_files=[("file", "staff.xlsx", content)])
    assert [a.get_text() for a in page.html.select("#import-created tbody th a")] == ["imp-in"]
    problems = [[td.get_text() for td in tr.select("td")] for tr in page.html.select("#import-problems tbody tr")]
    assert problems == [["3", "所属单位编码", "“测试县 / 县测试局”不在您的管理范围内"]]


# --- import ---------------------------------------------------------------------------------------

def test_import_creates_the_good_rows_lists_passwords_once_and_reports_the_rest(testapp, admin, county, dbsession,
                                                                               mail, make_user):
    make_user("existing")
    content = xlsx([
        ("imp-a", "导入甲", "测试县/东城镇/甲村", None, "imp-a@example.cn", 13800138000),
        ("imp-b", "导入乙", None, "S-200", None, None),
        ("existing", "重复", "测试县/西城镇", None, None, None),
        ("imp-c", "", "测试县/北城镇", None, "bad-address", "123"),
        ("IMP-A", "大小写重复", "测试县/西城镇", None, None, None),
    ])
    page = testapp.post("/admin/users/import", {"csrf_token": csrf_token(testapp)},
                        upload_files=[("file", "staff.xlsx", content)])
    assert page.headers["Cache-Control"] == "no-store"
    assert "共 5 行，建立 2 个账户，3 行未导入" in page.html.select_one(".import-summary").get_text()
    rows = [[c.get_text() for c in tr.select("th, td")] for tr in page.html.select("#import-created tbody tr")]
    assert [r[:3] for r in rows] == [["imp-a", "导入甲", "测试县 / 东城镇 / 甲村"], ["imp-b", "导入乙", "测试县 / 西城镇"]]
    passwords = {r[0]: r[3] for r in rows}
    problems = [[td.get_text() for td in tr.select("td")] for tr in page.html.select("#import-problems tbody tr")]
    assert problems == [
        ["4", "登录名", "登录名“existing”已被使用"],
        ["5", "姓名", "请填写姓名"],
        ["5", "邮箱", "邮箱地址格式不正确"],
        ["5", "手机", "手机号码应为 11 位数字，以 1 开头"],
        ["5", "所属单位路径", "找不到单位“测试县/北城镇”"],
        ["6", "登录名", "登录名“IMP-A”已被使用"],
    ]
    imported = account(dbsession, "imp-a")
    assert imported.mobile == "13800138000" and imported.must_change_password
    assert [s["login"] for _r, s in audits(dbsession, "user.create") if s.get("via") == "import"] == ["imp-a", "imp-b"]
    record, summary = audits(dbsession, "user.import")[-1]
    assert summary == {"file": "staff.xlsx", "rows": 5, "created": 2, "failed_rows": [4, 5, 6]}
    assert all(p not in record.summary for p in passwords.values())
    assert [m.to for m in mail.sent] == [("imp-a@example.cn",)]

    # The passwords can be downloaded as a sheet from that page, and are not stored by the browser.
    download = page.forms[1].submit()
    assert download.headers["Cache-Control"] == "no-store"
    sheet = load_workbook(io.BytesIO(download.body)).active
    assert [[c.value for c in row] for row in sheet.iter_rows(min_row=2)] == [
        ["imp-a", "导入甲", "测试县 / 东城镇 / 甲村", passwords["imp-a"]],
        ["imp-b", "导入乙", "测试县 / 西城镇", passwords["imp-b"]]]
    assert audits(dbsession, "user.passwords_export")[-1][1] == {"logins": ["imp-a", "imp-b"]}


def test_the_password_sheet_keeps_formulas_inert(testapp, admin):
    download = testapp.post("/admin/users/passwords.xlsx", {
        "csrf_token": csrf_token(testapp), "login": "x", "display_name": "=HYPERLINK(\"http://evil\")",
        "unit": "u", "password": "p"})
    cell = load_workbook(io.BytesIO(download.body)).active["B2"]
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")
    testapp.post("/admin/users/passwords.xlsx", {"csrf_token": csrf_token(testapp), "login": ["a", "b"],
                                                 "display_name": "x", "unit": "u", "password": "p"}, status=400)


def test_staff_import_refuses_non_xlsx_and_missing_columns(testapp, admin, dbsession):
    page = testapp.post("/admin/users/import", {"csrf_token": csrf_token(testapp)},
                        upload_files=[("file", "staff.csv", "登录名,姓名\nx,y\n".encode())], status=400)
    assert "文件不是有效的 Excel 工作簿（.xlsx）" in page.html.select_one("#import-error").get_text()
    page = testapp.post("/admin/users/import", {"csrf_token": csrf_token(testapp)},
                        upload_files=[("file", "staff.xlsx", xlsx([("a", "b")], headers=("登录名", "姓名")))],
                        status=400)
    assert "表格第 1 行缺少这些列：“所属单位路径”或“所属单位编码”" in page.text
    assert audits(dbsession, "user.import")[-1][0].result == "failure"


def test_the_staff_template_downloads(testapp, admin):
    response = testapp.get("/admin/users/template.xlsx")
    sheet = load_workbook(io.BytesIO(response.body)).worksheets[0]
    assert [c.value for c in sheet[1]] == ["登录名", "姓名", "所属单位路径", "所属单位编码", "邮箱", "手机"]


def test_people_without_users_manage_are_refused(testapp, dbsession, make_user, login):
    user = person(dbsession, make_user, "secadmin", ["security_admin"])
    sign_in(testapp, login, user)
    testapp.get("/admin/users", status=403)
    testapp.get("/admin/users/add", status=403)
    page = testapp.post("/admin/users/add", {"csrf_token": csrf_token(testapp), "login": "x"}, expect_errors=True)
    assert page.status_int == 403


def test_the_menu_links_both_pages_for_the_system_administrator(testapp, admin):
    menu = testapp.get("/admin").html.select_one("nav.admin-menu").get_text()
    assert "组织机构" in menu and "工作人员" in menu
    assert re.search(r"/admin/users\b", testapp.get("/admin").text)
