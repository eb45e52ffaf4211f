"""The organisation tree and staff account rules, against in-memory fakes of their repositories."""

from __future__ import annotations

import dataclasses

import pytest

from govcore.accounts import PasswordPolicy
from govcore.core_plugin import DEPARTMENT_ADMIN_ROLE, ORG_UNIT_SCOPE, SYSTEM_ADMIN_ROLE, USERS_MANAGE
from govcore.errors import NotFound
from govcore.orgs import (OrgTree, OrgUnitNode, RulesBroken, add_unit, change_unit, check_unit, import_units,
                          resolve_kind, set_unit_disabled, shift_unit, subtree_ids, unit_paths, UnitRow)
from govcore.staff import (HeldRole, StaffDraft, StaffInput, StaffRow, check_staff, create_staff, import_staff,
                           manageable_units, may_manage)


class FakeOrgUnits:
    def __init__(self):
        self.units: dict[int, OrgUnitNode] = {}

    def all_units(self):
        return list(self.units.values())

    def add(self, parent_id, name, kind, code, position):
        node = OrgUnitNode(len(self.units) + 1, parent_id, name, kind, code, position, False)
        self.units[node.id] = node
        return node

    def save(self, node):
        assert node.id in self.units
        self.units[node.id] = node


class FakeStaff:
    def __init__(self, logins=()):
        self.accounts: dict[int, tuple[StaffInput, str]] = {}
        self.existing = set(logins)

    def login_taken(self, login, except_id=None):
        taken = {a.login.lower() for a, _hash in self.accounts.values()} | {x.lower() for x in self.existing}
        return login.lower() in taken

    def create(self, account, password_hash):
        self.accounts[len(self.accounts) + 1] = (account, password_hash)
        return len(self.accounts)


class FakeHasher:
    def hash(self, password):
        return "hashed:" + password

    def verify(self, stored_hash, password):
        return stored_hash == "hashed:" + password

    def needs_rehash(self, stored_hash):
        return False


@pytest.fixture
def repo():
    """示例县 with 城关镇 (东村, 西村), 县教育局, and a disabled 旧乡."""
    repo = FakeOrgUnits()
    county = add_unit(repo, None, "示例县", "county", "341100")
    town = add_unit(repo, county.id, "城关镇", "township", "341101")
    add_unit(repo, town.id, "东村", "village", None)
    add_unit(repo, town.id, "西村", "village", None)
    add_unit(repo, county.id, "县教育局", "department", "JYJ")
    old = add_unit(repo, county.id, "旧乡", "township", None)
    set_unit_disabled(repo, old.id, True)
    return repo


def ids(repo):
    return {u.name: u.id for u in repo.all_units()}


def messages(excinfo):
    return [p.text() for p in excinfo.value.problems]


# --- the tree -------------------------------------------------------------------------------------

def test_paths_walk_and_subtrees(repo):
    tree = OrgTree(repo.all_units())
    n = ids(repo)
    assert tree.path(n["东村"]) == "示例县 / 城关镇 / 东村"
    assert unit_paths(repo.all_units())[n["西村"]] == "示例县 / 城关镇 / 西村"
    assert [(u.name, depth) for u, depth in tree.walk()] == [
        ("示例县", 0), ("城关镇", 1), ("东村", 2), ("西村", 2), ("县教育局", 1), ("旧乡", 1)]
    assert subtree_ids(repo.all_units(), [n["城关镇"]]) == {n["城关镇"], n["东村"], n["西村"]}
    assert tree.subtree([999]) == set()


def test_paths_are_found_with_or_without_the_single_root_and_either_slash(repo):
    tree = OrgTree(repo.all_units())
    east = ids(repo)["东村"]
    assert [u.id for u in tree.find_by_path("示例县 / 城关镇 / 东村")] == [east]
    assert [u.id for u in tree.find_by_path("示例县/城关镇／东村")] == [east]
    assert [u.id for u in tree.find_by_path("城关镇/东村")] == [east]
    assert tree.find_by_path("城关镇/北村") == []
    assert tree.by_code(" jyj ").name == "县教育局"


def test_a_disabled_unit_makes_its_subtree_inactive(repo):
    n = ids(repo)
    village = add_unit(repo, n["城关镇"], "南村", "village", None)
    set_unit_disabled(repo, n["城关镇"], True)
    tree = OrgTree(repo.all_units())
    assert not tree.is_active(village.id) and not tree.is_active(n["城关镇"])
    assert tree.is_active(n["县教育局"])
    assert set_unit_disabled(repo, n["城关镇"], True) is False
    assert set_unit_disabled(repo, n["城关镇"], False) is True
    with pytest.raises(NotFound):
        set_unit_disabled(repo, 999, True)


def test_kinds_are_read_from_labels_aliases_and_keys():
    assert resolve_kind("村") == "village"
    assert resolve_kind("社区") == "village"
    assert resolve_kind(" 街道 ") == "township"
    assert resolve_kind("department") == "department"
    assert resolve_kind("省") is None


# --- adding and changing units ------------------------------------------------------------------

def test_a_unit_is_added_last_among_its_siblings_with_a_clean_name(repo):
    n = ids(repo)
    unit = add_unit(repo, n["城关镇"], "  南   村 ", "village", "  ")
    assert (unit.name, unit.code, unit.position) == ("南 村", None, 2)


@pytest.mark.parametrize("parent, name, kind, code, expected", [
    ("城关镇", "", "village", None, "请填写单位名称"),
    ("城关镇", "东/村", "village", None, "单位名称不能包含斜杠（/）"),
    ("城关镇", "东村", "village", None, "同一上级单位下已有名为“东村”的单位"),
    ("城关镇", "北村", "hamlet", None, "请选择单位类型"),
    ("城关镇", "北村", "village", "341101", "编码“341101”已被“示例县 / 城关镇”使用"),
    ("城关镇", "北村", "village", "a b", "编码只能包含字母、数字、点、下划线和连字符，并以字母或数字开头"),
    ("县教育局", "北村", "village", None, "村不能设在部门“县教育局”之下"),
    ("东村", "城北镇", "township", None, "乡镇不能设在村“东村”之下"),
    (None, "北村", "village", None, "村必须设在上级单位之下"),
    ("旧乡", "北村", "village", None, "上级单位“示例县 / 旧乡”已停用，不能在其下增加单位"),
])
def test_invalid_units_are_refused_in_chinese(repo, parent, name, kind, code, expected):
    with pytest.raises(RulesBroken) as excinfo:
        add_unit(repo, ids(repo)[parent] if parent else None, name, kind, code)
    assert expected in messages(excinfo)


def test_lenient_kinds_other_goes_anywhere_and_departments_nest(repo):
    n = ids(repo)
    group = add_unit(repo, n["东村"], "第一村民小组", "other", None)
    office = add_unit(repo, n["县教育局"], "办公室", "department", None)
    station = add_unit(repo, n["城关镇"], "财政所", "department", None)
    zone = add_unit(repo, None, "开发区", "other", "KFQ")
    community = add_unit(repo, zone.id, "园区社区", "village", None)
    assert all(u.id for u in (group, office, station, zone, community))


def test_code_uniqueness_ignores_letter_case(repo):
    with pytest.raises(RulesBroken) as excinfo:
        add_unit(repo, ids(repo)["示例县"], "县财政局", "department", "jyj")
    assert messages(excinfo) == ["编码“jyj”已被“示例县 / 县教育局”使用"]


def test_rename_and_recode_report_the_changed_fields(repo):
    n = ids(repo)
    changes = change_unit(repo, n["县教育局"], n["示例县"], "县教育和体育局", "department", "JYTJ")
    assert changes == {"name": ["县教育局", "县教育和体育局"], "code": ["JYJ", "JYTJ"]}
    assert change_unit(repo, n["县教育局"], n["示例县"], "县教育和体育局", "department", "JYTJ") == {}
    # A unit keeps its own code without tripping over uniqueness.
    assert change_unit(repo, n["城关镇"], n["示例县"], "城关镇", "township", "341101") == {}


def test_a_move_goes_last_among_the_new_siblings_and_reports_both_paths(repo):
    n = ids(repo)
    other = add_unit(repo, n["示例县"], "新区镇", "township", None)
    changes = change_unit(repo, n["西村"], other.id, "西村", "village", None)
    assert changes == {"parent": ["示例县 / 城关镇", "示例县 / 新区镇"]}
    assert repo.units[n["西村"]].parent_id == other.id and repo.units[n["西村"]].position == 0


@pytest.mark.parametrize("target", ["城关镇", "东村"])
def test_a_unit_cannot_move_under_itself_or_a_descendant(repo, target):
    n = ids(repo)
    with pytest.raises(RulesBroken) as excinfo:
        change_unit(repo, n["城关镇"], n[target], "城关镇", "township", "341101")
    assert messages(excinfo) == ["不能把单位移到它自己或它的下级单位之下"]


def test_kind_change_must_suit_the_children(repo):
    n = ids(repo)
    with pytest.raises(RulesBroken) as excinfo:
        change_unit(repo, n["城关镇"], n["示例县"], "城关镇", "department", "341101")
    assert messages(excinfo) == ["下级有村“东村”，类型不能改为部门"]


def test_units_from_before_a_rule_can_still_be_renamed():
    repo = FakeOrgUnits()
    repo.units[1] = OrgUnitNode(1, None, "孤村", "village", None, 0, False)
    assert change_unit(repo, 1, None, "孤立村", "village", None) == {"name": ["孤村", "孤立村"]}


def test_a_unit_in_a_disabled_parent_may_stay_but_none_may_move_in(repo):
    n = ids(repo)
    inside = add_unit(repo, n["示例县"], "新乡", "township", None)
    set_unit_disabled(repo, n["示例县"], True)
    assert change_unit(repo, inside.id, n["示例县"], "新乡镇", "township", None) == {"name": ["新乡", "新乡镇"]}
    with pytest.raises(RulesBroken):
        change_unit(repo, n["东村"], n["旧乡"], "东村", "village", None)


def test_parent_choices_leave_out_the_subtree_and_disabled_units(repo):
    n = ids(repo)
    tree = OrgTree(repo.all_units())
    assert [u.name for u in tree.parent_choices(n["城关镇"])] == ["示例县", "县教育局"]
    assert [u.name for u in tree.parent_choices(None)] == ["示例县", "城关镇", "东村", "西村", "县教育局"]
    set_unit_disabled(repo, n["城关镇"], True)
    tree = OrgTree(repo.all_units())
    # The current parent stays offered even when disabled, so an unchanged form can be saved.
    assert "城关镇" in [u.name for u in tree.parent_choices(n["东村"])]


def test_shifting_among_siblings_renumbers_them(repo):
    n = ids(repo)
    assert shift_unit(repo, n["旧乡"], -1) is True
    tree = OrgTree(repo.all_units())
    assert [u.name for u in tree.children(n["示例县"])] == ["城关镇", "旧乡", "县教育局"]
    assert [u.position for u in tree.children(n["示例县"])] == [0, 1, 2]
    assert shift_unit(repo, n["城关镇"], -1) is False
    assert shift_unit(repo, n["县教育局"], 1) is False
    assert shift_unit(repo, n["示例县"], 1) is False


# --- importing units ----------------------------------------------------------------------------

def test_import_keeps_the_valid_rows_and_reports_the_others_by_row_and_column(repo):
    rows = [
        UnitRow(2, name="新区镇", kind="乡镇", parent_path="示例县", code="341102"),
        UnitRow(3, name="新区一村", kind="村", parent_path="示例县/新区镇"),   # made two rows up
        UnitRow(4, name="新区二村", kind="村", parent_code="341102"),
        UnitRow(5, name="东村", kind="村", parent_path="城关镇"),               # exists already
        UnitRow(6, name="北村", kind="小区", parent_path="城关镇"),
        UnitRow(7, name="北村", kind="村", parent_path="城关镇/不存在"),
        UnitRow(8, name="北村", kind="村", parent_code="NOPE"),
        UnitRow(9, name="", kind="", parent_path=""),
        UnitRow(10, name="南村", kind="村", parent_path="示例县/城关镇", parent_code="JYJ"),
        UnitRow(11, name="县卫健委", kind="部门", parent_path="示例县", code="341102"),
    ]
    report = import_units(repo, rows)
    assert [u.name for u in report.created] == ["新区镇", "新区一村", "新区二村"]
    assert report.rows == 10 and report.failed_rows == [5, 6, 7, 8, 9, 10, 11]
    found = {(p.row, p.column, p.text()) for p in report.problems}
    assert (5, "单位名称", "同一上级单位下已有名为“东村”的单位") in found
    assert (6, "类型", "无法识别的类型“小区”，可填：县、部门、乡镇、村、其他") in found
    assert (7, "上级单位路径", "找不到单位“城关镇/不存在”") in found
    assert (8, "上级单位编码", "没有编码为“NOPE”的单位") in found
    assert (9, "类型", "请填写类型") in found
    assert (10, "上级单位编码", "编码“JYJ”与路径“示例县/城关镇”指的不是同一个单位") in found
    assert (11, "编码", "编码“341102”已被“示例县 / 新区镇”使用") in found
    tree = OrgTree(repo.all_units())
    assert tree.path(report.created[2].id) == "示例县 / 新区镇 / 新区二村"


def test_import_into_an_empty_tree_starts_with_the_county():
    repo = FakeOrgUnits()
    report = import_units(repo, [UnitRow(2, name="示例县", kind="县"), UnitRow(3, name="城关镇", kind="镇",
                                                                            parent_path="示例县")])
    assert report.problems == [] and len(report.created) == 2


# --- staff accounts -----------------------------------------------------------------------------

def draft(repo, **values):
    base = dict(login="zhangsan", display_name="张三", org_unit_id=ids(repo)["东村"], email="", mobile="")
    base.update(values)
    return StaffDraft(**base)


def test_a_new_account_gets_a_one_time_password_that_meets_the_policy(repo):
    directory, hasher = FakeStaff(), FakeHasher()
    account = create_staff(directory, hasher, draft(repo, email=" ZS@example.cn ", mobile="+86 138-0013-8000"),
                           tree=OrgTree(repo.all_units()), allowed_units=None)
    stored, password_hash = directory.accounts[account.id]
    assert stored == StaffInput("zhangsan", "张三", ids(repo)["东村"], "zs@example.cn", "13800138000")
    assert hasher.verify(password_hash, account.password)
    assert PasswordPolicy().problems(account.password, account.login) == []


@pytest.mark.parametrize("values, field, expected", [
    (dict(login=""), "login", "请填写登录名"),
    (dict(login="张三"), "login", "登录名为 2 至 64 个字符，可用字母、数字和 . _ @ -，并以字母或数字开头"),
    (dict(login="Admin"), "login", "登录名“Admin”已被使用"),
    (dict(display_name="  "), "display_name", "请填写姓名"),
    (dict(org_unit_id=None), "org_unit", "请选择所属单位"),
    (dict(org_unit_id=999), "org_unit", "所属单位不存在"),
    (dict(email="not-an-address"), "email", "邮箱地址格式不正确"),
    (dict(mobile="12345"), "mobile", "手机号码应为 11 位数字，以 1 开头"),
])
def test_invalid_accounts_are_refused_field_by_field(repo, values, field, expected):
    account, problems = check_staff(draft(repo, **values), tree=OrgTree(repo.all_units()), allowed_units=None,
                                    directory=FakeStaff(["admin"]))
    assert account is None
    assert [(p.field, p.text()) for p in problems] == [(field, expected)]


def test_no_newcomers_in_a_disabled_unit_but_existing_staff_may_stay(repo):
    n = ids(repo)
    tree = OrgTree(repo.all_units())
    _account, problems = check_staff(draft(repo, org_unit_id=n["旧乡"]), tree=tree, allowed_units=None,
                                     directory=FakeStaff())
    assert [p.text() for p in problems] == ["“示例县 / 旧乡”已停用，不能再增加工作人员"]
    account, problems = check_staff(draft(repo, org_unit_id=n["旧乡"], display_name="张三丰"), tree=tree,
                                    allowed_units=None, directory=FakeStaff(["zhangsan"]), account_id=1,
                                    current_unit_id=n["旧乡"])
    assert problems == [] and account.display_name == "张三丰"


def test_a_scoped_manager_works_only_within_their_subtree(repo):
    n = ids(repo)
    tree = OrgTree(repo.all_units())
    allowed = manageable_units(tree, [n["城关镇"]])
    assert allowed == {n["城关镇"], n["东村"], n["西村"]}
    assert manageable_units(tree, None) is None
    _account, problems = check_staff(draft(repo, org_unit_id=n["县教育局"]), tree=tree, allowed_units=allowed,
                                     directory=FakeStaff())
    assert [p.text() for p in problems] == ["“示例县 / 县教育局”不在您的管理范围内"]


def test_who_may_manage_whom(repo):
    n = ids(repo)
    allowed = {n["城关镇"], n["东村"], n["西村"]}
    editor = HeldRole("editor", frozenset({"content.edit"}))
    local_admin = HeldRole(DEPARTMENT_ADMIN_ROLE, frozenset({USERS_MANAGE}), ORG_UNIT_SCOPE, n["东村"])
    wide_admin = HeldRole(DEPARTMENT_ADMIN_ROLE, frozenset({USERS_MANAGE}), ORG_UNIT_SCOPE, n["示例县"])
    sysadmin = HeldRole(SYSTEM_ADMIN_ROLE, frozenset({USERS_MANAGE}))
    assert may_manage(n["东村"], [editor], allowed)
    assert may_manage(n["东村"], [local_admin], allowed)
    assert not may_manage(n["县教育局"], [editor], allowed)
    assert not may_manage(None, [], allowed)
    assert not may_manage(n["东村"], [wide_admin], allowed)
    assert not may_manage(n["东村"], [sysadmin], allowed)
    assert may_manage(None, [sysadmin], None)


def test_staff_import_reports_bad_rows_and_duplicate_logins(repo):
    directory = FakeStaff(["admin"])
    tree = OrgTree(repo.all_units())
    rows = [
        StaffRow(2, login="lisi", display_name="李四", unit_path="示例县/城关镇/东村", email="lisi@example.cn"),
        StaffRow(3, login="wangwu", display_name="王五", unit_code="JYJ", mobile="13900139000"),
        StaffRow(4, login="LiSi", display_name="李四二", unit_path="城关镇/西村"),
        StaffRow(5, login="zhao liu", display_name="", unit_path="城关镇/北村", mobile="abc"),
        StaffRow(6, login="sunqi", display_name="孙七"),
        StaffRow(7, login="zhouba", display_name="周八", unit_code="404"),
    ]
    report = import_staff(directory, FakeHasher(), rows, tree=tree, allowed_units=None)
    assert [a.login for a in report.created] == ["lisi", "wangwu"]
    assert all(a.password for a in report.created)
    found = {(p.row, p.column, p.text()) for p in report.problems}
    assert found == {
        (4, "登录名", "登录名“LiSi”已被使用"),
        (5, "登录名", "登录名为 2 至 64 个字符，可用字母、数字和 . _ @ -，并以字母或数字开头"),
        (5, "姓名", "请填写姓名"),
        (5, "手机", "手机号码应为 11 位数字，以 1 开头"),
        (5, "所属单位路径", "找不到单位“城关镇/北村”"),
        (6, "所属单位路径", "请填写所属单位路径或所属单位编码"),
        (7, "所属单位编码", "没有编码为“404”的单位"),
    }


def test_staff_import_by_a_scoped_manager_stays_in_scope(repo):
    n = ids(repo)
    tree = OrgTree(repo.all_units())
    rows = [StaffRow(2, login="lisi", display_name="李四", unit_path="城关镇/东村"),
            StaffRow(3, login="wangwu", display_name="王五", unit_code="JYJ")]
    report = import_staff(FakeStaff(), FakeHasher(), rows, tree=tree,
                          allowed_units=manageable_units(tree, [n["城关镇"]]))
    assert [a.login for a in report.created] == ["lisi"]
    assert [(p.row, p.column, p.text()) for p in report.problems] == [
        (3, "所属单位编码", "“示例县 / 县教育局”不在您的管理范围内")]


def test_problems_keep_placeholders_for_translation(repo):
    with pytest.raises(RulesBroken) as excinfo:
        add_unit(repo, ids(repo)["城关镇"], "东村", "village", None)
    problem = excinfo.value.problems[0]
    assert problem.message == "同一上级单位下已有名为“${name}”的单位" and problem.mapping == {"name": "东村"}
    assert dataclasses.replace(problem, mapping={}).text() == problem.message


def test_check_unit_reports_every_problem_at_once(repo):
    tree = OrgTree(repo.all_units())
    problems = check_unit(tree, unit_id=None, parent_id=ids(repo)["城关镇"], name="", kind="x", code="!")
    assert {p.field for p in problems} == {"name", "kind", "code"}
