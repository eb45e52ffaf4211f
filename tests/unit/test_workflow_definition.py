"""Workflow definitions: what the designer may save, and JSON import/export."""

import json
from dataclasses import replace

import pytest

from govcore.orgs import RulesBroken
from govcore.workflow.definition import (ACTOR_APPLICANT, ACTOR_PERSON, ACTOR_ROLE, ACTOR_SUPERIOR_ROLE,
                                         END_APPROVED, END_REJECTED, JSON_FORMAT, MAX_STEPS, MODE_ALL, MODE_ANY,
                                         STEP_PUBLICITY, UNIT_CALENDAR_DAYS, UNIT_HOURS, UNIT_WORKING_DAYS, Actor,
                                         Definition, Duration, Step, check, from_data, to_data, validate)

ROLES = {"section_chief", "signer", "unit_leader"}


def approval(key, title=None, **fields):
    fields.setdefault("actors", (Actor(ACTOR_ROLE, "section_chief"),))
    return Step(key, title or f"步骤{key}", **fields)


def publicity(key, on_objection, title=None, **fields):
    fields.setdefault("publicity", Duration(5, UNIT_CALENDAR_DAYS))
    return Step(key, title or f"公示{key}", kind=STEP_PUBLICITY, on_objection=on_objection, **fields)


def procedure(*steps, **fields):
    return Definition(fields.pop("key", "test.flow"), fields.pop("title", "测试流程"),
                      steps or (approval("a"), approval("b")), **fields)


def problems(definition, roles=ROLES):
    return [(problem.field, problem.text()) for problem in validate(definition, roles)]


def only_problem(definition, roles=ROLES):
    found = problems(definition, roles)
    assert len(found) == 1, found
    return found[0]


def test_a_full_procedure_is_valid():
    definition = Definition("village.finance", "村级财务公开", (
        approval("clerk", "经办人审核", deadline=Duration(3, UNIT_WORKING_DAYS), opinion_required=True),
        approval("sign", "两委会签", mode=MODE_ALL, actors=(Actor(ACTOR_ROLE, "signer"), Actor(ACTOR_PERSON, user_id=7)),
                 deadline=Duration(48, UNIT_HOURS), on_reject="clerk"),
        approval("town", "乡镇审核", actors=(Actor(ACTOR_SUPERIOR_ROLE, "section_chief"),), mode=MODE_ANY),
        publicity("notice", "clerk", publicity=Duration(7, UNIT_WORKING_DAYS)),
        approval("confirm", "发起人确认", actors=(Actor(ACTOR_APPLICANT),)),
    ), reminder_hours=12)
    assert validate(definition, ROLES) == []
    assert check(definition, ROLES) is definition
    assert validate(definition) == []  # without known roles the role names are not checked


@pytest.mark.parametrize("key", ["", "a", "Test.flow", "1flow", "test flow", "t" * 65, "测试"])
def test_key_pattern(key):
    assert only_problem(procedure(key=key))[0] == "key"


@pytest.mark.parametrize("title", ["", "   ", "长" * 61])
def test_title_is_required_and_short(title):
    assert only_problem(procedure(title=title)) == ("title", "请填写流程名称（不超过 60 个字）")


def test_at_least_one_and_at_most_fifty_steps():
    assert problems(Definition("test.flow", "测试", ())) == [("steps", "流程至少需要一个步骤")]
    steps = tuple(approval(f"s{n}") for n in range(MAX_STEPS + 1))
    assert only_problem(Definition("test.flow", "测试", steps)) == ("steps", "流程最多 50 个步骤")
    assert validate(Definition("test.flow", "测试", steps[:MAX_STEPS]), ROLES) == []


@pytest.mark.parametrize("hours, valid", [(-1, False), (0, True), (720, True), (721, False)])
def test_reminder_hours_range(hours, valid):
    found = problems(procedure(reminder_hours=hours))
    assert found == ([] if valid else [("reminder_hours", "提前提醒时间须在 0–720 小时之间")])


def test_escalate_role_must_exist_but_may_be_empty():
    assert only_problem(procedure(escalate_role="mayor")) == ("escalate_role", "超期督办角色“mayor”不存在")
    assert problems(procedure(escalate_role="")) == []


@pytest.mark.parametrize("key", ["", "A", "1a", "a-b", "a" * 33, "审核"])
def test_step_key_pattern(key):
    field, message = only_problem(procedure(approval(key), approval("b")))
    assert field == "steps.1.key" and message.startswith("第 1 步的标识须以小写字母开头")


def test_step_keys_are_unique():
    found = problems(procedure(approval("a"), approval("a")))
    assert ("steps.2.key", "第 2 步的标识与其他步骤重复") in found


@pytest.mark.parametrize("title", ["", " ", "长" * 61])
def test_step_title(title):
    assert only_problem(procedure(approval("a"), Step("b", title, actors=(Actor(ACTOR_APPLICANT),)))) == (
        "steps.2.title", "请填写第 2 步的名称（不超过 60 个字）")


def test_step_kind():
    assert only_problem(procedure(approval("a"), approval("b", kind="vote"))) == ("steps.2.kind", "第 2 步的类型无效")


@pytest.mark.parametrize("field, value", [("next", "nowhere"), ("on_reject", "nowhere"),
                                          ("next", END_REJECTED), ("on_reject", END_APPROVED)])
def test_edges_lead_to_steps_or_the_matching_end(field, value):
    # Approving may end the case approved, rejecting may end it rejected; never the other way round.
    step = approval("a", "初审", **{field: value})
    assert only_problem(procedure(step, approval("b"))) == (f"steps.1.{field}", "第 1 步“初审”指向不存在的步骤")


def test_edges_to_steps_and_ends_are_fine():
    assert problems(procedure(approval("a", next="c", on_reject="b"), approval("b", next=END_APPROVED),
                              approval("c", on_reject=END_REJECTED))) == []


def test_a_step_is_not_its_own_next():
    found = problems(procedure(approval("a", "初审", next="a"), approval("b")))
    assert ("steps.1.next", "第 1 步“初审”不能以自己为下一步") in found


def test_approval_step_needs_a_valid_mode_and_actors():
    assert only_problem(procedure(approval("a", mode="majority"), approval("b"))) == (
        "steps.1.mode", "第 1 步的审批方式无效")
    assert only_problem(procedure(approval("a", "初审", actors=()), approval("b"))) == (
        "steps.1.actors", "第 1 步“初审”至少需要一位审批人")


@pytest.mark.parametrize("actor, message", [
    (Actor("robot"), "第 1 步有无效的审批人类型"),
    (Actor(ACTOR_ROLE), "第 1 步“初审”须选择角色"),
    (Actor(ACTOR_SUPERIOR_ROLE), "第 1 步“初审”须选择角色"),
    (Actor(ACTOR_ROLE, "mayor"), "第 1 步的角色“mayor”不存在"),
    (Actor(ACTOR_SUPERIOR_ROLE, "mayor"), "第 1 步的角色“mayor”不存在"),
    (Actor(ACTOR_PERSON), "第 1 步“初审”须选择具体人员"),
])
def test_actor_rules(actor, message):
    assert only_problem(procedure(approval("a", "初审", actors=(actor,)), approval("b"))) == ("steps.1.actors", message)


def test_unknown_role_is_only_checked_against_known_roles():
    definition = procedure(approval("a", actors=(Actor(ACTOR_ROLE, "mayor"),)), approval("b"))
    assert validate(definition) == []
    assert validate(definition, ROLES) != []


@pytest.mark.parametrize("deadline", [Duration(0, UNIT_WORKING_DAYS), Duration(-1, UNIT_HOURS),
                                      Duration(3651, UNIT_WORKING_DAYS), Duration(3, UNIT_CALENDAR_DAYS),
                                      Duration(3, "weeks")])
def test_deadline_is_positive_working_days_or_hours(deadline):
    assert only_problem(procedure(approval("a", deadline=deadline), approval("b"))) == (
        "steps.1.deadline", "第 1 步的办理时限须为正数的工作日或小时")


@pytest.mark.parametrize("fields", [{"publicity": Duration(5, UNIT_CALENDAR_DAYS)}, {"on_objection": "a"}])
def test_only_publicity_steps_have_a_publicity_period(fields):
    assert only_problem(procedure(approval("a"), approval("b", **fields))) == (
        "steps.2.publicity", "只有公示步骤才设置公示期")


@pytest.mark.parametrize("period", [None, Duration(0, UNIT_CALENDAR_DAYS), Duration(3651, UNIT_CALENDAR_DAYS),
                                    Duration(5, UNIT_HOURS)])
def test_publicity_needs_a_period_in_days(period):
    step = publicity("p", "a", title="公示", publicity=period)
    assert only_problem(procedure(approval("a"), step)) == ("steps.2.publicity", "第 2 步“公示”须设置公示天数（自然日或工作日）")


@pytest.mark.parametrize("target, message", [
    (None, "第 2 步“公示”须指定有异议时转到的步骤"),
    ("nowhere", "第 2 步“公示”须指定有异议时转到的步骤"),
    (END_REJECTED, "第 2 步“公示”须指定有异议时转到的步骤"),
    ("p", "第 2 步“公示”有异议时不能转回公示本身"),
])
def test_publicity_needs_on_objection(target, message):
    definition = procedure(approval("a"), publicity("p", target, title="公示"))
    assert only_problem(definition) == ("steps.2.on_objection", message)


def test_publicity_step_has_no_approvers():
    step = publicity("p", "a", title="公示", actors=(Actor(ACTOR_APPLICANT),))
    assert only_problem(procedure(approval("a"), step)) == ("steps.2.actors", "公示步骤“公示”不设审批人")


def test_unreachable_step():
    definition = procedure(approval("a", next=END_APPROVED), approval("b", "复核"))
    assert only_problem(definition) == ("steps", "步骤“复核”无法到达：没有任何步骤通向它")


def test_a_step_reached_only_by_rejection_or_objection_is_reachable():
    assert problems(procedure(approval("a", next=END_APPROVED, on_reject="b"), approval("b"))) == []
    assert problems(procedure(approval("a"), publicity("p", "c", next=END_APPROVED), approval("c"))) == []


def test_dead_end_loop_through_next():
    definition = procedure(approval("a", "初审", next="b", on_reject="b"), approval("b", "复审", next="a", on_reject="a"))
    found = problems(definition)
    assert ("steps", "从步骤“初审”出发无法结束流程（形成死循环）") in found
    assert ("steps", "从步骤“复审”出发无法结束流程（形成死循环）") in found
    assert ("steps", "流程无法审批通过：没有步骤通向“办结”") in found


def test_a_loop_with_an_exit_is_fine():
    # Approving 复审 goes back to 初审, but rejecting 复审 leads on to 终审, which ends the case.
    assert problems(procedure(approval("a"), approval("b", next="a", on_reject="c"), approval("c"))) == []


def test_a_procedure_that_can_never_be_approved():
    definition = procedure(approval("a", next="b"), approval("b", next="a"))
    assert only_problem(definition) == ("steps", "流程无法审批通过：没有步骤通向“办结”")


def test_first_step_may_not_be_publicity():
    definition = procedure(publicity("p", "a"), approval("a"))
    assert only_problem(definition) == ("steps", "流程不能以公示步骤开始")


def test_graph_is_only_checked_when_the_fields_are_right():
    # A broken field would make the graph messages confusing; they come once the fields are fixed.
    definition = procedure(approval("a", next=END_APPROVED, actors=()), approval("b"))
    assert [field for field, _ in problems(definition)] == ["steps.1.actors"]


def test_check_raises_rules_broken_with_every_problem():
    definition = procedure(approval("a", actors=()), approval("b", mode="x"), title="")
    with pytest.raises(RulesBroken) as raised:
        check(definition, ROLES)
    assert [problem.field for problem in raised.value.problems] == ["title", "steps.1.actors", "steps.2.mode"]
    assert raised.value.field == "title"
    assert "至少需要一位审批人" in raised.value.message_zh


# ---------------------------------------------------------------------------------------------
# JSON


def full_definition():
    return Definition("village.finance", "村级财务公开", (
        approval("clerk", "经办人审核", deadline=Duration(3, UNIT_WORKING_DAYS), opinion_required=True),
        approval("sign", "两委会签", mode=MODE_ALL,
                 actors=(Actor(ACTOR_ROLE, "signer"), Actor(ACTOR_PERSON, user_id=7), Actor(ACTOR_APPLICANT)),
                 deadline=Duration(48, UNIT_HOURS), on_reject="clerk"),
        approval("town", "乡镇审核", actors=(Actor(ACTOR_SUPERIOR_ROLE, "section_chief"),), mode=MODE_ANY, next="notice"),
        publicity("notice", "clerk", "公示", publicity=Duration(7, UNIT_WORKING_DAYS)),
    ), description="每季度公开", version=3, general=True, reminder_hours=6, escalate_role="section_chief")


def test_json_round_trip():
    definition = full_definition()
    data = to_data(definition)
    assert data["format"] == JSON_FORMAT
    assert "version" not in data  # the importing county stores its own versions
    text = json.dumps(data, ensure_ascii=False)
    restored = from_data(json.loads(text))
    assert restored == replace(definition, version=0)
    assert restored.same_procedure(definition)
    assert to_data(restored) == data


def test_json_keeps_named_people_by_id_and_drops_empty_fields():
    sign = to_data(full_definition())["steps"][1]
    assert sign["actors"] == [{"kind": "role", "role": "signer"}, {"kind": "person", "user_id": 7},
                              {"kind": "applicant"}]
    notice = to_data(full_definition())["steps"][3]
    assert notice == {"key": "notice", "title": "公示", "kind": "publicity",
                      "publicity": {"amount": 7, "unit": "working_days"}, "on_objection": "clerk"}


def test_from_data_fills_defaults_and_trims():
    restored = from_data({"format": JSON_FORMAT, "key": " test.flow ", "title": "测试",
                          "steps": [{"key": "a", "title": " 初审 ", "actors": [{"kind": "applicant"}]}]})
    assert restored == Definition("test.flow", "测试", (Step("a", "初审", actors=(Actor(ACTOR_APPLICANT),)),),
                                  escalate_role="")
    assert validate(restored, ROLES) == []


def test_from_data_does_not_check_the_rules():
    restored = from_data({"format": JSON_FORMAT, "key": "X", "title": "", "steps": []})
    assert [problem.field for problem in validate(restored)] == ["key", "title", "steps"]


@pytest.mark.parametrize("data", [None, [], "text", 3, {}, {"format": "govcore.workflow/2", "steps": []},
                                  {"key": "test.flow", "title": "t", "steps": []}])
def test_from_data_refuses_other_files(data):
    with pytest.raises(RulesBroken) as raised:
        from_data(data)
    assert raised.value.problems[0].field == "file"
    assert raised.value.message_zh == "不是 govcore 流程定义文件（缺少 format: govcore.workflow/1）"


def valid_data():
    return to_data(full_definition())


def broken(change):
    data = valid_data()
    change(data)
    return data


@pytest.mark.parametrize("data", [
    broken(lambda d: d.update(key=5)),
    broken(lambda d: d.update(title=None)),
    broken(lambda d: d.update(description=["x"])),
    broken(lambda d: d.update(reminder_hours="soon")),
    broken(lambda d: d.update(reminder_hours=None)),
    broken(lambda d: d.update(escalate_role=1)),
    broken(lambda d: d.update(steps={"a": {}})),
    broken(lambda d: d.pop("steps")),
    broken(lambda d: d["steps"].append("clerk")),
    broken(lambda d: d["steps"].append(None)),
    broken(lambda d: d["steps"].append([])),
    broken(lambda d: d["steps"][0].pop("key")),
    broken(lambda d: d["steps"][0].pop("title")),
    broken(lambda d: d["steps"][0].update(kind=1)),
    broken(lambda d: d["steps"][0].update(actors="signer")),
    broken(lambda d: d["steps"][0].update(actors=["signer"])),
    broken(lambda d: d["steps"][0].update(actors=[{"role": "signer"}])),
    broken(lambda d: d["steps"][0].update(actors=[{"kind": "person", "user_id": "seven"}])),
    broken(lambda d: d["steps"][0].update(deadline=3)),
    broken(lambda d: d["steps"][0].update(deadline={"amount": "three", "unit": "hours"})),
    broken(lambda d: d["steps"][0].update(deadline={"unit": "hours"})),
    broken(lambda d: d["steps"][0].update(deadline={"amount": 3})),
    broken(lambda d: d["steps"][0].update(next=["sign"])),
    broken(lambda d: d["steps"][3].update(publicity=[7])),
    broken(lambda d: d["steps"][3].update(on_objection=7)),
])
def test_from_data_on_garbage_raises_rules_broken_in_chinese(data):
    with pytest.raises(RulesBroken) as raised:
        from_data(data)
    assert [(problem.field, problem.text()) for problem in raised.value.problems] == [("file", "流程定义文件格式有误")]


def test_garbage_data_is_still_json_of_a_definition():
    # The garbage above is built from data that imports fine, so each case fails for its one change.
    assert from_data(valid_data()).key == "village.finance"
