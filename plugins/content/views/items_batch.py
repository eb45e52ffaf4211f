"""Batch operations on the items ticked in the staff list: publish, withdraw, move, archive, restore,
pin, unpin and show in a further column (引用).

Each item is handled on its own: it is checked first (scope, status) and either changed completely,
audited and re-indexed, or skipped with its reason. The summary names how many were done and why
the others were skipped; nothing is dropped silently.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from urllib.parse import parse_qsl, urlencode

from pyramid.config import Configurator
from pyramid.httpexceptions import HTTPFound
from pyramid.renderers import render_to_response
from sqlalchemy import select

from adapters.web.i18n import _
from govcore.errors import ValidationError
from plugins.content.items import ARCHIVED, PUBLISHED, REVIEW, SCHEDULED
from plugins.content.orm import Item, Placement
from plugins.content.plugin import ITEMS_PUBLISH
from plugins.content.publishing import Publishing
from plugins.content.views.item_scope import column_path, may
from plugins.content.views.items_list import T, list_page

MAX_ITEMS = 200
TARGETED = frozenset({"move", "place"})
# What the summary says was done, per action.
DONE = {
    "publish": _("已发布 ${count} 条"),
    "unpublish": _("已下线 ${count} 条"),
    "archive": _("已归档 ${count} 条"),
    "restore": _("已恢复 ${count} 条"),
    "pin": _("已置顶 ${count} 条"),
    "unpin": _("已取消置顶 ${count} 条"),
    "move": _("已移动 ${count} 条到“${column}”"),
    "place": _("已在“${column}”中引用 ${count} 条"),
}
SCHEDULED_DONE = _("定时发布 ${count} 条")
SKIP_REASONS = {
    "missing": _("信息不存在"),
    "scope": _("无权操作"),
    "review": _("审核中"),
    "case": _("审核流程未结束"),
    "published": _("已发布"),
    "scheduled": _("已定时发布"),
    "archived": _("已归档"),
    "not_published": _("未发布"),
    "not_archived": _("未归档"),
    "pinned": _("已置顶"),
    "not_pinned": _("未置顶"),
    "there": _("已在该栏目"),
    "refused": _("操作被拒绝"),
}


def includeme(config: Configurator) -> None:
    config.add_route("content.admin_items_batch", "/admin/content/items/batch")
    config.add_view(batch, route_name="content.admin_items_batch", request_method="POST", permission=ITEMS_PUBLISH)


class Batch:
    """One batch run: checks say why an item is skipped (or None), applies change one item fully."""

    def __init__(self, request, action: str, target: int | None):
        self.request = request
        self.action = action
        self.target = target
        self.user_id = request.current_user.id
        self.publishing = Publishing(request.platform, request.uow,
                                     auditor=lambda action_, kind, oid, summary: request.audit(
                                         action_, kind, oid, summary=summary))
        self.store = self.publishing.store
        self.placed: dict[int, set[int]] = defaultdict(set)  # item id -> its 引用 columns

    def load(self, ids: list[int]) -> dict[int, Item]:
        session = self.request.dbsession
        items = {item.id: item for item in session.scalars(select(Item).where(Item.id.in_(ids)))}
        if self.action == "place" and items:
            for item_id, column_id in session.execute(select(Placement.item_id, Placement.column_id).where(
                    Placement.item_id.in_(list(items)), Placement.home.is_(False))):
                self.placed[item_id].add(column_id)
        return items

    def skip_reason(self, item: Item | None) -> str | None:
        if item is None:
            return "missing"
        if not may(self.request, ITEMS_PUBLISH, item.column_id):
            return "scope"
        return getattr(self, "check_" + self.action)(item)

    def apply(self, item: Item) -> str:
        """Change the item; returns "scheduled" when a publication was only scheduled."""
        return getattr(self, "do_" + self.action)(item) or "done"

    # -- checks and changes, one pair an action ---------------------------------------------

    def check_publish(self, item: Item) -> str | None:
        if item.status == REVIEW:
            return "review"
        if item.case_id is not None:
            return "case"  # returned to its editor: the procedure decides, not a batch
        return {PUBLISHED: "published", SCHEDULED: "scheduled", ARCHIVED: "archived"}.get(item.status)

    def do_publish(self, item: Item) -> str | None:
        return "scheduled" if self.publishing.approve(item, self.user_id) == SCHEDULED else None

    def check_unpublish(self, item: Item) -> str | None:
        return None if item.status in (PUBLISHED, SCHEDULED) else "not_published"

    def do_unpublish(self, item: Item) -> None:
        self.publishing.unpublish(item, self.user_id)

    def check_archive(self, item: Item) -> str | None:
        return {REVIEW: "review", ARCHIVED: "archived"}.get(item.status)

    def do_archive(self, item: Item) -> None:
        self.publishing.archive(item, self.user_id, "批量归档")

    def check_restore(self, item: Item) -> str | None:
        return None if item.status == ARCHIVED else "not_archived"

    def do_restore(self, item: Item) -> None:
        self.publishing.restore(item, self.user_id)

    def check_pin(self, item: Item) -> str | None:
        return "pinned" if item.pinned else None

    def do_pin(self, item: Item) -> None:
        self._edit(item, {"pinned": True}, "content.item.pin", {"title": item.title})

    def check_unpin(self, item: Item) -> str | None:
        return None if item.pinned else "not_pinned"

    def do_unpin(self, item: Item) -> None:
        self._edit(item, {"pinned": False}, "content.item.unpin", {"title": item.title})

    def check_move(self, item: Item) -> str | None:
        if item.status == REVIEW:
            return "review"  # the review case is scoped to the column it was submitted in
        return "there" if item.column_id == self.target else None

    def do_move(self, item: Item) -> None:
        summary = {"title": item.title, "from": item.column_id, "to": self.target}
        self._edit(item, {"column_id": self.target}, "content.item.move", summary)

    def check_place(self, item: Item) -> str | None:
        return "there" if self.target == item.column_id or self.target in self.placed[item.id] else None

    def do_place(self, item: Item) -> None:
        self.store.set_extra_columns(item, self.placed[item.id] | {self.target})
        self.request.audit("content.item.place", "item", item.id, summary={"title": item.title, "column": self.target})
        self.publishing.changed(item)

    def _edit(self, item: Item, values: dict, action: str, summary: dict) -> None:
        self.store.update(item, values, self.user_id, note="批量操作")
        self.request.audit(action, "item", item.id, summary=summary)
        self.publishing.changed(item)


def batch(request):
    action = request.POST.get("action", "")
    back = _back_query(request.POST.get("back", ""))
    ids = _ids(request.POST.getall("ids"))
    errors, target = [], None
    if action not in DONE:
        errors.append(_("请选择要执行的批量操作"))
    if not ids:
        errors.append(_("请先勾选要操作的信息"))
    elif len(ids) > MAX_ITEMS:
        errors.append(_("一次最多操作 ${max} 条信息", mapping={"max": MAX_ITEMS}))
    if action in TARGETED:
        raw = request.POST.get("target", "")
        target = int(raw) if raw.isdigit() and len(raw) < 10 else None
        if target is None or target not in request.content_columns.by_id:
            errors.append(_("请选择目标栏目"))
        elif not may(request, ITEMS_PUBLISH, target):
            errors.append(_("您无权管理栏目“${column}”中的信息", mapping={"column": column_path(request, target)}))
    if errors:
        page = list_page(request, dict(back), [request.localizer.translate(e) for e in errors], frozenset(ids))
        response = render_to_response(T + "admin_items.pt", page, request=request)
        response.status_int = 400
        return response
    run = Batch(request, action, target)
    items = run.load(ids)
    outcomes: Counter[str] = Counter()
    skipped: Counter[str] = Counter()
    for item_id in ids:
        item = items.get(item_id)
        reason = run.skip_reason(item)
        outcome = _apply(request, run, item) if reason is None else None
        if outcome is None:
            skipped[reason or "refused"] += 1
        else:
            outcomes[outcome] += 1
    request.session.flash(_summary(request, action, target, outcomes, skipped), "success")
    return HTTPFound(location=request.route_path("content.admin_items") + ("?" + urlencode(back) if back else ""))


def _apply(request, run: Batch, item: Item) -> str | None:
    """Apply to one item inside a savepoint: it changes completely or not at all (None: refused)."""
    savepoint = request.dbsession.begin_nested()
    try:
        outcome = run.apply(item)
    except ValidationError:
        savepoint.rollback()
        return None
    savepoint.commit()
    return outcome


def _summary(request, action: str, target: int | None, outcomes: Counter, skipped: Counter) -> str:
    translate = request.localizer.translate
    column = column_path(request, target) if target is not None else ""
    parts = [translate(_(DONE[action], mapping={"count": outcomes["done"], "column": column}))]
    if outcomes["scheduled"]:
        parts.append(translate(_(SCHEDULED_DONE, mapping={"count": outcomes["scheduled"]})))
    if skipped:
        reasons = [(translate(_(SKIP_REASONS[reason])), count) for reason, count in skipped.items()]
        detail = reasons[0][0] if len(reasons) == 1 else translate(_("、")).join(
            translate(_("${reason} ${count} 条", mapping={"reason": text, "count": count})) for text, count in reasons)
        parts.append(translate(_("跳过 ${count} 条（${reasons}）",
                                 mapping={"count": sum(skipped.values()), "reasons": detail})))
    return translate(_("，")).join(parts)  # list separators differ between languages


def _ids(values: list[str]) -> list[int]:
    """Ticked ids in their order, each once; anything not a plain number is ignored."""
    return list(dict.fromkeys(int(value) for value in values if value.isdigit() and len(value) < 10))


def _back_query(raw: str) -> list[tuple[str, str]]:
    """The list's filter to return to: only its own parameters, so the redirect cannot leave the page."""
    names = {"column", "subtree", "status", "type", "q", "date_from", "date_to", "mine", "after"}
    return [(key, value) for key, value in parse_qsl(raw)[:20] if key in names][:len(names)]
