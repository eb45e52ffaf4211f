"""A workflow definition drawn as SVG, so staff see a procedure at a glance. Framework-free.

Steps are boxes from top to bottom in their order, between the start node (发起) and the end
nodes (办结（通过）, 办结（不通过）). Approving a step leads straight down to the following step;
an edge to any other step (a ``next`` override, a rejection or an objection sent back to a step)
is drawn in a lane of its own on the left, so no edge crosses a box. Rejections that end the case
join one red line on the right that leads to 办结（不通过）. Returns (退回) are possible from every
step to any earlier one; drawing them all would hide the rest, so a note says so.

The output is SVG text for embedding in an HTML page: every text is XML-escaped here, it uses
presentation attributes only (no ``style``, which the Content-Security-Policy forbids), and the
text takes the page's font.
"""

from __future__ import annotations

import re
import string
import unicodedata
from dataclasses import dataclass
from typing import Callable
from xml.sax.saxutils import escape

from govcore.i18n import _
from govcore.workflow.definition import (ACTOR_APPLICANT, ACTOR_PERSON, ACTOR_ROLE, ACTOR_SUPERIOR_ROLE,
                                         END_APPROVED, END_REJECTED, MODE_ALL, MODE_ANY, MODE_SINGLE, START,
                                         UNIT_CALENDAR_DAYS, UNIT_HOURS, UNIT_WORKING_DAYS, Definition, Duration,
                                         Step)

FONT = 14
SMALL = 12
MARGIN = 16
BOX_W = 260
BOX_H = 76
PADDING = 12
GAP = 48  # between two nodes, room for an arrow and its label
PILL_H = 36
LANE_FIRST = 44  # from the boxes' left side to the innermost lane
LANE_STEP = 24
REJECT_STUB = 64  # from a box's right side to the line leading to 办结（不通过）
CORNER = 10

TEXT = "#1f2328"
MUTED = "#4f5660"
LINE = "#4f5660"
REJECT = "#a40e26"
OBJECTION = "#8a4b00"
APPROVED = "#1a7f37"
CURRENT = "#a4161a"
CURRENT_FILL = "#ffebe9"
PUBLICITY_FILL = "#fff8c5"
PUBLICITY_LINE = "#7d5c00"
SOFT = "#f6f8fa"

ACTOR_LABELS = {
    ACTOR_ROLE: _("角色：${names}"),
    ACTOR_SUPERIOR_ROLE: _("上级单位角色：${names}"),
    ACTOR_PERSON: _("指定人员：${names}"),
}
MODE_LABELS = {MODE_SINGLE: _("单人审批"), MODE_ALL: _("会签"), MODE_ANY: _("或签")}
DEADLINE_LABELS = {UNIT_WORKING_DAYS: _("${n}个工作日"), UNIT_HOURS: _("${n}小时")}
PUBLICITY_LABELS = {UNIT_CALENDAR_DAYS: _("公示${n}个自然日"), UNIT_WORKING_DAYS: _("公示${n}个工作日")}

# Kinds of edges: how each is drawn and labelled.
NEXT, REJECTED, OBJECTED = "next", "reject", "objection"
EDGE_COLOURS = {NEXT: LINE, REJECTED: REJECT, OBJECTED: OBJECTION}
EDGE_DASHES = {NEXT: None, REJECTED: "6 4", OBJECTED: "2 4"}
EDGE_LABELS = {NEXT: _("同意"), REJECTED: _("不同意"), OBJECTED: _("有异议")}

Translate = Callable[[str], str]


def render_svg(definition: Definition, *, current_step: str | None = None,
               role_titles: dict[str, str] | None = None, person_names: dict[int, str] | None = None,
               translate: Translate | None = None) -> str:
    """SVG text of ``definition``; ``current_step`` (a step key, START or an end) is highlighted.

    ``role_titles`` and ``person_names`` name the actors (role names and ids are shown otherwise);
    ``translate`` translates the diagram's own Chinese texts for the page's language. Definitions
    that are not valid yet (the designer's preview) are drawn too: edges to unknown steps are left out.
    """
    return _Diagram(definition, current_step, role_titles or {}, person_names or {},
                    translate or (lambda text: text)).render()


@dataclass
class _SideEdge:
    kind: str
    source: int  # row: a step's position, or len(steps) for the end row
    target: int
    lane: int = 0
    source_y: float = 0.0
    target_y: float = 0.0


class _Diagram:
    def __init__(self, definition: Definition, current: str | None, role_titles: dict[str, str],
                 person_names: dict[int, str], translate: Translate):
        self.definition = definition
        self.steps = definition.steps
        self.current = current
        self.role_titles = role_titles
        self.person_names = person_names
        self.translate = translate
        self.prefix = "wf-" + re.sub(r"[^a-z0-9]+", "-", definition.key.lower()).strip("-") + f"-v{definition.version}"
        self.rows: dict[str, int] = {}
        for position, step in enumerate(self.steps):
            self.rows.setdefault(step.key, position)
        self.end_row = len(self.steps)
        self.straight: list[tuple[int, str]] = []  # (row, kind): an arrow from this row down to the next one
        self.side: list[_SideEdge] = []
        self.rejecting: list[int] = []  # rows whose rejection ends the case
        self._collect_edges()
        self._assign_lanes()
        lanes = max((edge.lane for edge in self.side), default=-1) + 1
        self.box_left = MARGIN + (LANE_FIRST + (lanes - 1) * LANE_STEP + 4 if lanes else 0)
        self.cx = self.box_left + BOX_W / 2
        self.bus_x = self.box_left + BOX_W + REJECT_STUB

    def text(self, template: str, **mapping: object) -> str:
        return string.Template(self.translate(template)).safe_substitute({k: str(v) for k, v in mapping.items()})

    # -- the graph ------------------------------------------------------------------------------

    def _collect_edges(self) -> None:
        for row, step in enumerate(self.steps):
            following = self.steps[row + 1].key if row + 1 < len(self.steps) else END_APPROVED
            self._edge(NEXT, row, step.next or following)
            if step.is_publicity:
                if step.on_objection:
                    self._edge(OBJECTED, row, step.on_objection)
            elif step.on_reject == END_REJECTED:
                self.rejecting.append(row)
            else:
                self._edge(REJECTED, row, step.on_reject)

    def _edge(self, kind: str, row: int, target: str) -> None:
        if target == END_APPROVED:
            target_row = self.end_row
        elif target in self.rows:
            target_row = self.rows[target]
        else:
            return  # an unknown step: the designer reports it; the preview just leaves it out
        if kind == NEXT and target_row == row + 1:
            self.straight.append((row, kind))
        else:
            self.side.append(_SideEdge(kind, row, target_row))

    def _assign_lanes(self) -> None:
        """Shorter edges take the inner lanes; edges whose spans overlap never share one."""
        taken: list[list[tuple[int, int]]] = []
        for edge in sorted(self.side, key=lambda e: (abs(e.target - e.source), min(e.source, e.target))):
            low, high = sorted((edge.source, edge.target))
            lane = 0
            while lane < len(taken) and any(low <= b and a <= high for a, b in taken[lane]):
                lane += 1
            if lane == len(taken):
                taken.append([])
            taken[lane].append((low, high))
            edge.lane = lane

    # -- geometry -------------------------------------------------------------------------------

    def row_top(self, row: int) -> float:
        return MARGIN + PILL_H + GAP + row * (BOX_H + GAP)

    def row_height(self, row: int) -> float:
        return PILL_H if row == self.end_row else BOX_H

    def row_left(self, row: int) -> float:
        return self.cx - self.pill_width(self.text(_("办结（通过）"))) / 2 if row == self.end_row else self.box_left

    def _attach_points(self) -> None:
        """Spread the side edges meeting at one node along its left side: those above attach higher."""
        ends: dict[int, list[tuple[float, _SideEdge, str]]] = {}
        for edge in self.side:
            ends.setdefault(edge.source, []).append((edge.target - edge.source, edge, "source"))
            ends.setdefault(edge.target, []).append((edge.source - edge.target, edge, "target"))
        for row, items in ends.items():
            items.sort(key=lambda item: (item[0], item[1].lane if item[0] < 0 else -item[1].lane))
            top, height = self.row_top(row), self.row_height(row)
            for number, (_offset, edge, end) in enumerate(items, start=1):
                y = top + height * number / (len(items) + 1)
                setattr(edge, f"{end}_y", y)

    # -- drawing --------------------------------------------------------------------------------

    def render(self) -> str:
        self._attach_points()
        reject_end = bool(self.rejecting) or self.current == END_REJECTED
        end_top = self.row_top(self.end_row)
        notes_y = end_top + PILL_H + 28
        parts: list[str] = [self._defs()]
        parts.append(self._pill(START, self.text(_("发起")), self.cx, MARGIN, SOFT, LINE))
        if self.steps:
            parts.append(self._arrow_down(self.cx, MARGIN + PILL_H, self.row_top(0), NEXT))
        for row, kind in self.straight:
            step = self.steps[row]
            label = self.text(_("期满无异议")) if step.is_publicity else None
            parts.append(self._arrow_down(self.cx, self.row_top(row) + BOX_H, self.row_top(row + 1), kind, label))
        for edge in self.side:
            parts.append(self._side_edge(edge))
        if self.rejecting:
            parts.append(self._reject_bus(end_top))
        for row, step in enumerate(self.steps):
            parts.append(self._box(row, step))
        parts.append(self._pill(END_APPROVED, self.text(_("办结（通过）")), self.cx, end_top, SOFT, APPROVED))
        if reject_end:
            parts.append(self._pill(END_REJECTED, self.text(_("办结（不通过）")), self.bus_x, end_top, SOFT, REJECT))
        note = self.text(_("任何步骤都可退回到此前的任一步骤或发起人（退回），图中不逐一画出。"))
        parts.append(_text(MARGIN, notes_y, note, SMALL, MUTED))
        legend, legend_width = self._legend(notes_y + 22)
        parts.append(legend)
        width = max(self.bus_x + self.pill_width(self.text(_("办结（不通过）"))) / 2 if reject_end
                    else self.box_left + BOX_W, MARGIN + _width(note, SMALL), MARGIN + legend_width) + MARGIN
        height = notes_y + 22 + MARGIN
        title = self.text(_("流程图：${title}"), title=self.definition.title)
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" class="wf-diagram" role="img" '
            f'aria-label="{_attr(title + "。" + self._summary())}" '
            f'viewBox="0 0 {_n(width)} {_n(height)}" width="{_n(width)}" height="{_n(height)}" '
            f'font-family="inherit" font-size="{FONT}" fill="{TEXT}">'
            f'<title>{escape(title)}</title>' + "".join(parts) + "</svg>"
        )

    def _summary(self) -> str:
        """The procedure in words, for screen readers."""
        parts = []
        for row, step in enumerate(self.steps, start=1):
            details = "；".join(self._details(step))
            parts.append(self.text(_("第${n}步 ${title}（${details}）"), n=row, title=step.title, details=details))
        text = self.text(_("发起后依次为：${steps}。"), steps="，".join(parts))
        if self.current:
            current = self._node_title(self.current)
            if current:
                text += self.text(_("当前在：${step}。"), step=current)
        return text

    def _node_title(self, key: str) -> str:
        if key in self.rows:
            return self.steps[self.rows[key]].title
        titles = {START: _("发起人"), END_APPROVED: _("办结（通过）"), END_REJECTED: _("办结（不通过）")}
        return self.text(titles[key]) if key in titles else ""

    def _defs(self) -> str:
        markers = []
        for kind, colour in EDGE_COLOURS.items():
            markers.append(
                f'<marker id="{self.prefix}-{kind}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" '
                f'markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{colour}"/></marker>')
        return "<defs>" + "".join(markers) + "</defs>"

    def _line_attributes(self, kind: str) -> str:
        dash = EDGE_DASHES[kind]
        return (f'fill="none" stroke="{EDGE_COLOURS[kind]}" stroke-width="{2 if kind == NEXT else 1.6}"'
                + (f' stroke-dasharray="{dash}"' if dash else ""))

    def _arrow_down(self, x: float, y1: float, y2: float, kind: str, label: str | None = None) -> str:
        out = (f'<path class="wf-edge wf-edge-{kind}" d="M{_n(x)},{_n(y1)} V{_n(y2 - 1)}" '
               f'{self._line_attributes(kind)} marker-end="url(#{self.prefix}-{kind})"/>')
        if label:
            out += _text(x + 8, (y1 + y2) / 2 + SMALL / 2 - 1, label, SMALL, MUTED, halo=True)
        return out

    def _side_edge(self, edge: _SideEdge) -> str:
        xs, ys = self.row_left(edge.source), edge.source_y
        xt, yt = self.row_left(edge.target), edge.target_y
        lane_x = self.box_left - LANE_FIRST - edge.lane * LANE_STEP
        down = 1 if yt > ys else -1
        d = (f"M{_n(xs)},{_n(ys)} H{_n(lane_x + CORNER)} Q{_n(lane_x)},{_n(ys)} {_n(lane_x)},{_n(ys + down * CORNER)} "
             f"V{_n(yt - down * CORNER)} Q{_n(lane_x)},{_n(yt)} {_n(lane_x + CORNER)},{_n(yt)} H{_n(xt - 1)}")
        label = self.text(EDGE_LABELS[edge.kind])
        if edge.kind == NEXT and self.steps[edge.source].is_publicity:
            label = self.text(_("期满无异议"))
        return (f'<path class="wf-edge wf-edge-{edge.kind}" d="{d}" {self._line_attributes(edge.kind)} '
                f'marker-end="url(#{self.prefix}-{edge.kind})"/>'
                + _text(xs - 4, ys - 4, label, SMALL, EDGE_COLOURS[edge.kind] if edge.kind != NEXT else MUTED,
                        anchor="end", halo=True))

    def _reject_bus(self, end_top: float) -> str:
        right = self.box_left + BOX_W
        attributes = self._line_attributes(REJECTED)
        parts = []
        for row in self.rejecting:
            y = self.row_top(row) + BOX_H / 2
            parts.append(f'<path class="wf-edge wf-edge-reject" d="M{_n(right)},{_n(y)} H{_n(self.bus_x)}" {attributes}/>')
            parts.append(_text((right + self.bus_x) / 2, y - 5, self.text(EDGE_LABELS[REJECTED]), SMALL, REJECT,
                               anchor="middle", halo=True))
        top = self.row_top(min(self.rejecting)) + BOX_H / 2
        parts.append(f'<path class="wf-edge wf-edge-reject" d="M{_n(self.bus_x)},{_n(top)} V{_n(end_top - 1)}" '
                     f'{attributes} marker-end="url(#{self.prefix}-{REJECTED})"/>')
        return "".join(parts)

    def _box(self, row: int, step: Step) -> str:
        top = self.row_top(row)
        current = step.key == self.current
        if current:
            fill, stroke, width = CURRENT_FILL, CURRENT, 3
        elif step.is_publicity:
            fill, stroke, width = PUBLICITY_FILL, PUBLICITY_LINE, 1.5
        else:
            fill, stroke, width = "#ffffff", LINE, 1.5
        classes = "wf-step" + (" wf-publicity" if step.is_publicity else "") + (" wf-current" if current else "")
        rounding = 18 if step.is_publicity else 4
        dash = ' stroke-dasharray="8 4"' if step.is_publicity else ""
        details = self._details(step)
        tooltip = f"{row + 1}. {step.title}：" + "；".join(details)
        if current:
            tooltip += self.text(_("（当前步骤）"))
        inner = BOX_W - 2 * PADDING
        title_width = inner - (_width(self.text(_("当前")), SMALL) + 8 if current else 0)
        parts = [
            f'<g class="{classes}" data-step="{_attr(step.key)}"><title>{escape(tooltip)}</title>',
            f'<rect x="{_n(self.box_left)}" y="{_n(top)}" width="{BOX_W}" height="{BOX_H}" rx="{rounding}" '
            f'fill="{fill}" stroke="{stroke}" stroke-width="{width}"{dash}/>',
            _text(self.box_left + PADDING, top + 24, _fit(f"{row + 1}. {step.title}", FONT, title_width), FONT, TEXT,
                  bold=True),
        ]
        for number, line in enumerate(details[:2]):
            parts.append(_text(self.box_left + PADDING, top + 46 + number * 18, _fit(line, SMALL, inner), SMALL, MUTED))
        if current:
            parts.append(_text(self.box_left + BOX_W - PADDING, top + 22, self.text(_("当前")), SMALL, CURRENT,
                               anchor="end", bold=True))
        parts.append("</g>")
        return "".join(parts)

    def _details(self, step: Step) -> list[str]:
        """What the box says under the title: who acts, then how and how long."""
        if step.is_publicity:
            lines = [self._duration(step.publicity, PUBLICITY_LABELS) or self.text(_("公示"))]
            lines.append(self.text(_("期满无异议转下一步")))
            return lines
        how = [self.text(MODE_LABELS.get(step.mode, step.mode))]
        deadline = self._duration(step.deadline, DEADLINE_LABELS)
        if deadline:
            how.append(deadline)
        if step.opinion_required:
            how.append(self.text(_("须填意见")))
        return [self._actors(step) or self.text(_("（未指定审批人）")), " · ".join(how)]

    def _actors(self, step: Step) -> str:
        groups: dict[str, list[str]] = {}
        for actor in step.actors:
            if actor.kind in (ACTOR_ROLE, ACTOR_SUPERIOR_ROLE):
                name = self.translate(self.role_titles.get(actor.role, actor.role))
            elif actor.kind == ACTOR_PERSON:
                name = self.person_names.get(actor.user_id, f"#{actor.user_id}") if actor.user_id else "?"
            elif actor.kind == ACTOR_APPLICANT:
                name = ""
            else:
                continue
            groups.setdefault(actor.kind, []).append(name)
        parts = []
        for kind, names in groups.items():
            if kind == ACTOR_APPLICANT:
                parts.append(self.text(_("发起人")))
            else:
                parts.append(self.text(ACTOR_LABELS[kind], names="、".join(names)))
        return "；".join(parts)

    def _duration(self, duration: Duration | None, labels: dict[str, str]) -> str:
        if duration is None or duration.unit not in labels:
            return ""
        return self.text(labels[duration.unit], n=duration.amount)

    def pill_width(self, label: str) -> float:
        return _width(label, FONT) + 2 * PADDING + 8

    def _pill(self, key: str, label: str, center: float, top: float, fill: str, stroke: str) -> str:
        width = self.pill_width(label)
        current = key == self.current
        classes = "wf-node" + (" wf-current" if current else "")
        return (f'<g class="{classes}" data-step="{_attr(key)}">'
                f'<rect x="{_n(center - width / 2)}" y="{_n(top)}" width="{_n(width)}" height="{PILL_H}" '
                f'rx="{PILL_H // 2}" fill="{CURRENT_FILL if current else fill}" stroke="{CURRENT if current else stroke}" '
                f'stroke-width="{3 if current else 1.5}"/>'
                + _text(center, top + PILL_H / 2 + FONT / 2 - 2, label, FONT, TEXT, anchor="middle", bold=current)
                + "</g>")

    def _legend(self, y: float) -> tuple[str, float]:
        x = MARGIN
        parts = []
        for kind in (NEXT, REJECTED, OBJECTED):
            parts.append(f'<path d="M{_n(x)},{_n(y - 4)} H{_n(x + 28)}" {self._line_attributes(kind)} '
                         f'marker-end="url(#{self.prefix}-{kind})"/>')
            label = self.text(EDGE_LABELS[kind])
            parts.append(_text(x + 34, y, label, SMALL, MUTED))
            x += 34 + _width(label, SMALL) + 20
        publicity = self.text(_("虚线圆角框为公示步骤"))
        parts.append(f'<rect x="{_n(x)}" y="{_n(y - 11)}" width="24" height="14" rx="6" fill="{PUBLICITY_FILL}" '
                     f'stroke="{PUBLICITY_LINE}" stroke-dasharray="4 2"/>')
        parts.append(_text(x + 30, y, publicity, SMALL, MUTED))
        x += 30 + _width(publicity, SMALL)
        return '<g class="wf-legend">' + "".join(parts) + "</g>", x - MARGIN


def _text(x: float, y: float, content: str, size: int, colour: str, *, anchor: str = "start",
          bold: bool = False, halo: bool = False) -> str:
    extra = ' font-weight="bold"' if bold else ""
    if anchor != "start":
        extra += f' text-anchor="{anchor}"'
    if halo:  # a white outline keeps a label readable where it crosses a line
        extra += ' stroke="#ffffff" stroke-width="4" stroke-linejoin="round" paint-order="stroke"'
    return f'<text x="{_n(x)}" y="{_n(y)}" font-size="{size}" fill="{colour}"{extra}>{escape(content)}</text>'


def _attr(value: str) -> str:
    return escape(value, {'"': "&quot;"})


def _n(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _width(text: str, size: int) -> float:
    """Roughly how wide ``text`` is: CJK characters are square, others about half as wide."""
    return sum(size if unicodedata.east_asian_width(ch) in "WF" else size * 0.6 for ch in text)


def _fit(text: str, size: int, width: float) -> str:
    if _width(text, size) <= width:
        return text
    while text and _width(text + "…", size) > width:
        text = text[:-1]
    return text + "…"
