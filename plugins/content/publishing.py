"""Submitting, reviewing, publishing, scheduling, withdrawing, archiving and restoring items.

One class, :class:`Publishing`, used alike by the staff views (with the person's auditor), by the
review procedure's events and by the scheduler's jobs (with the system auditor). Everything that
changes what visitors see bumps the portal generation and re-indexes the item after the commit.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Callable

from sqlalchemy import select, update

from govcore.errors import ValidationError
from govcore.platform import Platform
from govcore.workflow.case import RESUBMIT, STATUS_APPROVED, STATUS_CANCELLED, STATUS_REJECTED, STATUS_RUNNING, \
    STATUS_WITH_INITIATOR
from govcore.audit import SystemAuditor
from govcore.workflow.service import CaseTransitioned, Workflows
from plugins.content.domain import path_to
from plugins.content.items import (ARCHIVED, DRAFT, OFFLINE, PUBLISHED, REVIEW, SCHEDULED, ArchiveRule,
                                   parse_archive_rules, status_after_approval)
from plugins.content.orm import Column, Item, PortalState
from plugins.content.seals import seal_disclosure
from plugins.content.store import ItemStore
from ports.persistence import UnitOfWork
from ports.search import SearchDocument

log = logging.getLogger(__name__)

SUBJECT_TYPE = "content.item"
TIMER_FUNC = "plugins.content.publishing:fire_timer"
PUBLISH, UNPUBLISH = "publish", "unpublish"
Auditor = Callable[[str, str, object, dict], None]


class Publishing:
    def __init__(self, platform: Platform, uow: UnitOfWork, auditor: Auditor | None = None):
        self.platform = platform
        self.uow = uow
        self.session = uow.session  # type: ignore[attr-defined]
        self.now = platform.clock.now()
        self.store = ItemStore(self.session, self.now)
        self.audit = auditor or SystemAuditor(uow, platform.clock)
        self._columns = None  # the column tree, read once for however many items change

    # -- review -----------------------------------------------------------------------------

    def submit(self, item: Item, user_id: int, org_unit_id: int | None) -> str:
        """Send a draft into its column's review procedure, or publish it when the column has none.

        Returns the status the item reached. A draft returned to its editor resumes its case.
        """
        if item.status not in (DRAFT, OFFLINE):
            raise ValidationError("只有草稿或已下线的信息可以提交", f"item {item.id} is {item.status}")
        column = self.session.get(Column, item.column_id)
        workflows = Workflows(self.platform, self.uow, self.audit)
        if item.case_id is not None:
            case = workflows.case(item.case_id)
            if case.status == STATUS_WITH_INITIATOR:
                workflows.act(case.id, actor_id=user_id, action=RESUBMIT, expected_version=case.version)
                self._set(item, REVIEW, user_id)
                self.audit("content.item.submit", "item", item.id, {"case": case.id, "resubmitted": True})
                return item.status
        if not column.workflow_key:
            self.audit("content.item.submit", "item", item.id, {"review": None})
            return self.approve(item, user_id)
        case = workflows.start(column.workflow_key, subject_type=SUBJECT_TYPE, subject_id=item.id, title=item.title,
                               initiator_id=user_id, org_unit_id=org_unit_id, link=f"/admin/content/items/{item.id}",
                               body=item.summary or "", scope_type="column", scope_id=item.column_id)
        item.case_id = case.id
        self._set(item, REVIEW, user_id)
        self.audit("content.item.submit", "item", item.id, {"case": case.id, "procedure": column.workflow_key})
        return item.status

    def follow_case(self, event: CaseTransitioned) -> None:
        """Move the item as its review case moved (called in a fresh unit of work after the case's commit)."""
        item = self.session.get(Item, int(event.subject_id))
        if item is None or item.case_id != event.case_id:
            return
        if event.status == STATUS_APPROVED and item.status == REVIEW:
            self.approve(item, None)
            item.case_id = None
        elif event.status == STATUS_WITH_INITIATOR and item.status == REVIEW:
            self._set(item, DRAFT, None)  # returned or withdrawn: the editor revises and resubmits
        elif event.status == STATUS_RUNNING and item.status == DRAFT:
            self._set(item, REVIEW, None)  # resubmitted from the case page
        elif event.status in (STATUS_REJECTED, STATUS_CANCELLED) and item.status == REVIEW:
            self._set(item, DRAFT, None)
            item.case_id = None

    def reconcile_reviews(self) -> int:
        """Catch up items whose case ended while the event reaction failed (a crash between two commits)."""
        from adapters.db.workflow_orm import WorkflowCaseRow as WfCase

        rows = self.session.execute(select(Item, WfCase.status).join(WfCase, WfCase.id == Item.case_id).where(
            Item.status == REVIEW, WfCase.status.in_((STATUS_APPROVED, STATUS_REJECTED, STATUS_CANCELLED,
                                                      STATUS_WITH_INITIATOR)))).all()
        for item, status in rows:
            self.follow_case(CaseTransitioned(item.case_id, "", SUBJECT_TYPE, str(item.id), "", None, None, status))
        return len(rows)

    # -- publication ------------------------------------------------------------------------

    def approve(self, item: Item, user_id: int | None) -> str:
        status = status_after_approval(item.publish_at, self.now)
        if status == SCHEDULED:
            self._set(item, SCHEDULED, user_id)
            self._arm(item, PUBLISH, item.publish_at)
            self.audit("content.item.schedule", "item", item.id, {"publish_at": item.publish_at.isoformat()})
        else:
            self.publish(item, user_id)
        return item.status

    def publish(self, item: Item, user_id: int | None) -> None:
        if item.published_at is None or (item.publish_at is not None and item.status == SCHEDULED):
            item.published_at = item.publish_at or self.now
        item.publish_at = None
        self._set(item, PUBLISHED, user_id)
        self.store.record_revision(item, "publish", user_id, "发布")
        if item.unpublish_at is not None:
            self._arm(item, UNPUBLISH, item.unpublish_at)
        self.audit("content.item.publish", "item", item.id, {"title": item.title, "column": item.column_id})

    def unpublish(self, item: Item, user_id: int | None) -> None:
        if item.status not in (PUBLISHED, SCHEDULED):
            raise ValidationError("信息未发布，无需下线", f"item {item.id} is {item.status}")
        item.unpublish_at = None
        self._set(item, OFFLINE, user_id)
        self.audit("content.item.unpublish", "item", item.id, {"title": item.title})

    def archive(self, item: Item, user_id: int | None, reason: str = "") -> None:
        if item.status == ARCHIVED:
            return
        item.archived_from, item.archived_at = item.status, self.now
        self._set(item, ARCHIVED, user_id)
        self.audit("content.item.archive", "item", item.id, {"title": item.title, "reason": reason})

    def restore(self, item: Item, user_id: int | None) -> None:
        if item.status != ARCHIVED:
            raise ValidationError("只有已归档的信息可以恢复", f"item {item.id} is {item.status}")
        back = item.archived_from or OFFLINE
        item.archived_from, item.archived_at = "", None
        if item.expires_at is not None and item.expires_at <= self.now:
            item.expires_at = None  # otherwise the rules would archive it again at once
        self._set(item, back, user_id)
        self.audit("content.item.restore", "item", item.id, {"title": item.title, "status": back})

    # -- timers and rules -------------------------------------------------------------------

    def run_due(self) -> dict[str, int]:
        """Publish and withdraw what is due, apply the archiving rules, catch up reviews: the minute job."""
        due_publish = self.session.scalars(select(Item).where(Item.status == SCHEDULED, Item.publish_at <= self.now))
        published = 0
        for item in due_publish:
            self.publish(item, None)
            published += 1
        withdrawn = 0
        for item in self.session.scalars(select(Item).where(Item.status == PUBLISHED, Item.unpublish_at <= self.now)):
            self.unpublish(item, None)
            withdrawn += 1
        archived = self.apply_archive_rules(self.archive_rules())
        return {"published": published, "withdrawn": withdrawn, "archived": archived,
                "reconciled": self.reconcile_reviews()}

    def archive_rules(self) -> list[ArchiveRule]:
        settings = self.platform.county.plugin_settings("content")
        slugs = dict(self.session.execute(select(Column.slug, Column.id)).all())
        rules = parse_archive_rules(settings.get("archive_rules", []), slugs)
        return rules or [ArchiveRule()]  # by default only expired items are archived

    def apply_archive_rules(self, rules: list[ArchiveRule]) -> int:
        candidates = select(Item).where(Item.status == PUBLISHED)
        archived = 0
        for item in self.session.scalars(candidates).all():
            if any(rule.applies(column_id=item.column_id, published_at=item.published_at,
                                expires_at=item.expires_at, now=self.now) for rule in rules):
                self.archive(item, None, "归档规则")
                archived += 1
        return archived

    def _arm(self, item: Item, kind: str, when: dt.datetime) -> None:
        scheduler, job_id = self.platform.scheduler, f"content:{kind}:{item.id}"
        self.uow.after_commit(lambda: scheduler.run_at(job_id, TIMER_FUNC, when, item_id=item.id, kind=kind))

    # -- shared -----------------------------------------------------------------------------

    def _set(self, item: Item, status: str, user_id: int | None) -> None:
        self.store.set_status(item, status, user_id)
        self.changed(item)

    def changed(self, item: Item) -> None:
        """After any change to an item: seal a 政务公开 one, re-index it and, when visitors could
        notice, empty the caches."""
        seal_disclosure(self.uow, item)
        bump_portal_generation(self.session, self.now)
        if self._columns is None:
            self._columns = column_nodes(self.session)
        document = search_document(self.session, item, self._columns)
        search = self.platform.search
        self.uow.after_commit(lambda: search.index([document]))


def bump_portal_generation(session, now: dt.datetime) -> None:
    """Invalidate every worker's cached portal pages (they compare generations)."""
    if session.execute(update(PortalState).where(PortalState.id == 1).values(
            generation=PortalState.generation + 1, changed_at=now)).rowcount == 0:
        session.add(PortalState(id=1, generation=1, changed_at=now))
        session.flush()


def portal_generation(session) -> int:
    return session.scalar(select(PortalState.generation).where(PortalState.id == 1)) or 0


def column_nodes(session) -> dict:
    """Every column by id, for the paths of search documents."""
    return {column.id: column.node() for column in session.scalars(select(Column))}


def search_document(session, item: Item, nodes=None) -> SearchDocument:
    """The item as the search index holds it: public only while published; filtered by column path."""
    if nodes is None:
        nodes = column_nodes(session)
    path = path_to(item.column_id, nodes)
    from plugins.content.sanitize import html_to_text

    return SearchDocument(
        doc_id=f"content:item:{item.id}", kind=item.type, title=item.title,
        body=" ".join(part for part in (item.subtitle, item.summary, html_to_text(item.body or "")) if part),
        url=f"/item/{item.id}", public=item.status == PUBLISHED and not any(node.hidden for node in path),
        published_at=item.published_at or item.created_at,
        category="/" + "/".join(node.slug for node in path) + "/",
        keywords=tuple(word for word in (item.keywords or "").replace("，", ",").split(",") if word.strip()),
    )


def fire_timer(platform: Platform, uow: UnitOfWork, item_id: int, kind: str) -> None:
    """A scheduled publication or withdrawal; does nothing if the item moved on meanwhile."""
    publishing = Publishing(platform, uow)
    item = publishing.session.get(Item, item_id)
    if item is None:
        return
    if kind == PUBLISH and item.status == SCHEDULED and item.publish_at is not None and item.publish_at <= publishing.now:
        publishing.publish(item, None)
    elif kind == UNPUBLISH and item.status == PUBLISHED and item.unpublish_at is not None \
            and item.unpublish_at <= publishing.now:
        publishing.unpublish(item, None)


def run_due(platform: Platform, uow: UnitOfWork) -> None:
    """The content plugin's minute job (registered through ``govcore_register_jobs``)."""
    figures = Publishing(platform, uow).run_due()
    if any(figures.values()):
        log.info("content: %s", figures)
