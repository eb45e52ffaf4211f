"""The SVG drawing of a workflow definition."""

import re
import xml.etree.ElementTree as ET

from govcore.workflow.definition import (ACTOR_APPLICANT, ACTOR_PERSON, ACTOR_ROLE, ACTOR_SUPERIOR_ROLE, END_APPROVED,
                                         END_REJECTED, MODE_ALL, MODE_ANY, START, STEP_PUBLICITY, UNIT_CALENDAR_DAYS,
                                         UNIT_HOURS, UNIT_WORKING_DAYS, Actor, Definition, Duration, Step)
from govcore.workflow.diagram import render_svg

NS = "{http://www.w3.org/2000/svg}"
CURRENT = "#a4161a"


def village_finance() -> Definition:
    return Definition("village.finance", "村级财务公开", (
        Step("clerk", "经办人审核", actors=(Actor(ACTOR_ROLE, "section_chief"),),
             deadline=Duration(3, UNIT_WORKING_DAYS), opinion_required=True),
        Step("sign", "两委会签", mode=MODE_ALL, on_reject="clerk",
             actors=(Actor(ACTOR_ROLE, "signer"), Actor(ACTOR_PERSON, user_id=7)), deadline=Duration(48, UNIT_HOURS)),
        Step("town", "乡镇审核", mode=MODE_ANY, actors=(Actor(ACTOR_SUPERIOR_ROLE, "section_chief"),)),
        Step("notice", "财务公示", kind=STEP_PUBLICITY, publicity=Duration(5, UNIT_CALENDAR_DAYS), on_objection="clerk"),
        Step("confirm", "发起人确认", actors=(Actor(ACTOR_APPLICANT),)),
    ), version=3)


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # raises on anything that is not well-formed XML


def texts(root: ET.Element) -> list[str]:
    return [element.text or "" for element in root.iter(f"{NS}text")]


def step_group(root: ET.Element, key: str) -> ET.Element:
    [group] = [g for g in root.iter(f"{NS}g") if g.get("data-step") == key]
    return group


def edges(root: ET.Element, kind: str) -> list[ET.Element]:
    return [path for path in root.iter(f"{NS}path") if f"wf-edge-{kind}" in (path.get("class") or "").split()]


def test_the_svg_is_well_formed_and_names_every_step():
    definition = village_finance()
    root = parse(render_svg(definition))
    assert root.tag == f"{NS}svg"
    shown = texts(root)
    for number, step in enumerate(definition.steps, start=1):
        assert f"{number}. {step.title}" in shown
        assert step.title in step_group(root, step.key).find(f"{NS}title").text
    assert {"发起", "办结（通过）", "办结（不通过）"} <= set(shown)


def test_boxes_say_who_acts_how_and_how_long():
    root = parse(render_svg(village_finance(), role_titles={"section_chief": "科长", "signer": "两委成员"},
                            person_names={7: "张三"}))
    shown = texts(root)
    assert "角色：科长" in shown and "单人审批 · 3个工作日 · 须填意见" in shown
    assert "角色：两委成员；指定人员：张三" in shown and "会签 · 48小时" in shown
    assert "上级单位角色：科长" in shown and "或签" in shown
    assert "发起人" in shown and "公示5个自然日" in shown
    # Without names, the role names and ids are shown.
    assert "角色：signer；指定人员：#7" in texts(parse(render_svg(village_finance())))


def test_publicity_steps_look_different():
    root = parse(render_svg(village_finance()))
    publicity = step_group(root, "notice").find(f"{NS}rect")
    approval = step_group(root, "town").find(f"{NS}rect")
    assert publicity.get("stroke-dasharray") and not approval.get("stroke-dasharray")
    assert float(publicity.get("rx")) > float(approval.get("rx"))
    assert "wf-publicity" in step_group(root, "notice").get("class")


def test_reject_and_objection_edges_are_drawn_and_labelled():
    root = parse(render_svg(village_finance()))
    rejections = edges(root, "reject")
    objections = edges(root, "objection")
    # 两委会签 rejects back to 经办人审核 (a lane); the other three approval steps end the case
    # rejected: a stub each plus the line down to 办结（不通过）.
    assert len(rejections) == 1 + 3 + 1
    assert all(path.get("stroke") == "#a40e26" and path.get("stroke-dasharray") for path in rejections)
    assert len(objections) == 1 and objections[0].get("stroke-dasharray")
    shown = texts(root)
    assert shown.count("不同意") == 4 + 1  # four edges and the legend
    assert shown.count("有异议") == 1 + 1
    assert "期满无异议" in shown  # the publicity step's way on
    assert any("退回" in text for text in shown)  # returns are explained, not drawn


def test_edges_to_other_steps_run_beside_the_boxes_in_lanes_of_their_own():
    definition = Definition("test.jumps", "跳转", (
        Step("a", "甲", actors=(Actor(ACTOR_ROLE, "r"),)),
        Step("b", "乙", actors=(Actor(ACTOR_ROLE, "r"),), next="d", on_reject="a"),
        Step("c", "丙", actors=(Actor(ACTOR_ROLE, "r"),), next=END_APPROVED),
        Step("d", "丁", actors=(Actor(ACTOR_ROLE, "r"),), on_reject="a"),
    ))
    root = parse(render_svg(definition))
    boxes = [step_group(root, step.key).find(f"{NS}rect") for step in definition.steps]
    left = min(float(box.get("x")) for box in boxes)
    side = [path for path in root.iter(f"{NS}path") if "wf-edge" in (path.get("class") or "")
            and " V" in path.get("d") and " H" in path.get("d")]
    assert len(side) == 4  # 乙→丁, 乙→甲, 丙→办结, 丁→甲
    runs = []
    for path in side:
        d = path.get("d")
        vertical_x = float(re.search(r"Q(-?[\d.]+),", d).group(1))
        assert vertical_x < left  # the vertical run stays clear of the boxes
        start_y = float(re.match(r"M[\d.]+,([\d.]+)", d).group(1))
        end_y = float(re.findall(r"Q-?[\d.]+,([\d.]+)", d)[-1])
        runs.append((vertical_x, min(start_y, end_y), max(start_y, end_y)))
    for n, (x, top, bottom) in enumerate(runs):
        for other_x, other_top, other_bottom in runs[n + 1:]:
            if top <= other_bottom and other_top <= bottom:  # overlapping spans never share a lane
                assert x != other_x
    assert len({x for x, _top, _bottom in runs}) == 3


def test_a_title_with_markup_characters_is_escaped():
    definition = Definition("test.escape", "流程 <&> \"引号\"", (
        Step("a", "审核<b>&amp;", actors=(Actor(ACTOR_ROLE, "r<x>"),)),
    ))
    svg = render_svg(definition, role_titles={"r<x>": "角色<&>"})
    assert "<b>" not in svg and "审核&lt;b&gt;&amp;amp;" in svg
    root = parse(svg)
    assert "1. 审核<b>&amp;" in texts(root)
    assert "角色：角色<&>" in texts(root)
    assert root.find(f"{NS}title").text == "流程图：流程 <&> \"引号\""
    assert root.get("aria-label").startswith("流程图：流程 <&> \"引号\"。")


def test_the_current_step_is_highlighted():
    root = parse(render_svg(village_finance(), current_step="sign"))
    current = step_group(root, "sign")
    assert "wf-current" in current.get("class")
    assert current.find(f"{NS}rect").get("stroke") == CURRENT
    assert "当前" in texts(current)
    for key in ("clerk", "town", "notice", "confirm"):
        group = step_group(root, key)
        assert "wf-current" not in group.get("class") and group.find(f"{NS}rect").get("stroke") != CURRENT
    assert "当前在：两委会签" in root.get("aria-label")
    assert "wf-current" not in step_group(parse(render_svg(village_finance())), "sign").get("class")


def test_a_case_with_the_initiator_or_ended_highlights_that_node():
    assert "wf-current" in step_group(parse(render_svg(village_finance(), current_step=START)), START).get("class")
    ended = parse(render_svg(village_finance(), current_step=END_REJECTED))
    assert step_group(ended, END_REJECTED).find(f"{NS}rect").get("stroke") == CURRENT


def test_accessible_and_within_the_content_security_policy():
    svg = render_svg(village_finance())
    root = parse(svg)
    assert root.get("role") == "img"
    assert "第1步 经办人审核" in root.get("aria-label") and "第5步 发起人确认" in root.get("aria-label")
    assert root.find(f"{NS}title").text == "流程图：村级财务公开"
    assert root.get("font-family") == "inherit"
    assert "style" not in svg and "<script" not in svg and "on" not in {name[:2] for e in root.iter() for name in e.attrib}
    # Marker ids are the definition's own, so two diagrams on one page do not mix.
    ids = [element.get("id") for element in root.iter() if element.get("id")]
    assert ids and all(value.startswith("wf-village-finance-v3-") for value in ids)


def test_an_unfinished_definition_is_still_drawn():
    definition = Definition("test.draft", "草稿", (
        Step("a", "", actors=()),
        Step("b", "乙", next="nowhere", on_reject="gone"),
        Step("p", "公示", kind=STEP_PUBLICITY),
    ))
    root = parse(render_svg(definition))
    assert "（未指定审批人）" in texts(root)
    assert not edges(root, "objection")
    assert parse(render_svg(Definition("test.empty", "空", ()))) is not None


def test_the_texts_can_be_translated():
    english = {"发起": "Start", "办结（通过）": "Approved", "${n}个工作日": "${n} working days"}
    root = parse(render_svg(village_finance(), translate=lambda text: english.get(text, text)))
    shown = texts(root)
    assert "Start" in shown and "Approved" in shown
    assert any(text.startswith("单人审批 · 3 working days") for text in shown)
