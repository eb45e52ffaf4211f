"""信息专题 through the web: staff build topics and fill them; visitors see the published items."""

from __future__ import annotations

import datetime as dt
import json
from types import SimpleNamespace

import pytest
import webtest
from sqlalchemy import delete, func, select

from adapters.db.orm import AuditRecord
from adapters.testing.pytest_plugin import csrf_token
from plugins.content.items import PUBLISHED
from plugins.content.orm import Column, Topic, TopicItem, TopicSection, Upload
from plugins.content.publishing import portal_generation
from plugins.content.store import ItemStore
from tests.functional.signin import person, sign_in

NOW = dt.datetime(2026, 5, 11, 9, 30)
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89" \
      b"\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99=\x1d\x00\x00\x00\x00IEND\xaeB`\x82"


@pytest.fixture(autouse=True)
def no_demo_topics(dbsession):
    """Start from no topics (the demo county ships one); rolled back with the test."""
    dbsession.execute(delete(Topic))
    dbsession.commit()


@pytest.fixture
def clock(stop_clock):
    return stop_clock(NOW)


@pytest.fixture
def chief(testapp, dbsession, make_user, login, clock):
    """A 总编, who holds content.topics.edit everywhere."""
    user = person(dbsession, make_user, "topic-chief", ["editor_in_chief"])
    sign_in(testapp, login, user)
    return user


@pytest.fixture
def items(dbsession, clock):
    """Two published items and a draft in 政府文件, and a published one in 政务动态."""
    documents = dbsession.scalar(select(Column).where(Column.slug == "documents"))
    news = dbsession.scalar(select(Column).where(Column.slug == "investment-news"))
    store = ItemStore(dbsession, clock.now())

    def make(column, title, publish):
        item = store.create(column_id=column.id, type="article", title=title, user_id=None)
        if publish:
            store.set_status(item, PUBLISHED)
        return item

    made = SimpleNamespace(
        policy=make(documents, "乡村振兴政策解读", True),
        subsidy=make(documents, "乡村振兴补贴公示", True),
        draft=make(documents, "乡村振兴工作方案（草稿）", False),
        news=make(news, "全县乡村振兴现场会召开", True),
    )
    dbsession.commit()
    return made


def topic_by_slug(dbsession, slug: str) -> Topic | None:
    dbsession.expire_all()
    return dbsession.scalar(select(Topic).where(Topic.slug == slug))


def make_topic(dbsession, clock, slug="rural", title="乡村振兴", hidden=False, sections=("政策文件", "工作动态")):
    topic = Topic(slug=slug, title=title, description="第一段。\n\n第二段。", banner_key="", layout="sections",
                  hidden=hidden, position=1, created_at=clock.now())
    dbsession.add(topic)
    dbsession.flush()
    made = [TopicSection(topic_id=topic.id, title=name, position=n) for n, name in enumerate(sections)]
    dbsession.add_all(made)
    dbsession.commit()
    return topic, made


def members(dbsession, topic_id: int) -> list[tuple[int, int | None]]:
    dbsession.expire_all()
    return list(dbsession.execute(select(TopicItem.item_id, TopicItem.section_id)
                                  .where(TopicItem.topic_id == topic_id)
                                  .order_by(TopicItem.position, TopicItem.item_id)))


def last_audit(dbsession, action: str) -> AuditRecord:
    return dbsession.scalars(select(AuditRecord).where(AuditRecord.action == action)
                             .order_by(AuditRecord.id.desc())).first()


def test_batch_create_makes_hidden_topics_and_refuses_a_faulty_list_whole(testapp, chief, dbsession):
    page = testapp.get("/admin/content/topics")
    form = page.forms["batch-form"]
    form["titles"] = "乡村振兴 [rural]\n优化营商环境 [Bad Slug]\n安全生产月"
    refused = form.submit(status=400)
    assert "第 2 行" in refused.html.select_one("#batch-errors").get_text()
    assert refused.html.select_one("#batch-titles").get_text() == "乡村振兴 [rural]\n优化营商环境 [Bad Slug]\n安全生产月"
    assert dbsession.scalar(select(func.count()).select_from(Topic)) == 0

    form = refused.forms["batch-form"]
    form["titles"] = "乡村振兴 [rural]\n优化营商环境\n安全生产月"
    form.submit(status=302)
    dbsession.expire_all()
    topics = list(dbsession.scalars(select(Topic).order_by(Topic.position)))
    assert [(t.title, t.hidden) for t in topics] == [("乡村振兴", True), ("优化营商环境", True), ("安全生产月", True)]
    assert topics[0].slug == "rural" and topics[1].slug == f"t{topics[1].id}"
    summary = json.loads(last_audit(dbsession, "content.topic.batch_create").summary)
    assert [t["title"] for t in summary["topics"]] == ["乡村振兴", "优化营商环境", "安全生产月"]

    # Sending the same list again would duplicate the topics: refused, by name and by slug.
    again = testapp.get("/admin/content/topics").forms["batch-form"]
    again["titles"] = "乡村振兴\n新专题 [rural]"
    errors = again.submit(status=400).html.select_one("#batch-errors").get_text()
    assert "已有名为“乡村振兴”的专题" in errors and "英文标识“rural”已被其他专题使用" in errors


def test_a_topic_is_created_with_a_banner_checked_by_its_content(testapp, chief, dbsession, platform):
    before = portal_generation(dbsession)
    form = testapp.get("/admin/content/topics/new").forms["topic-form"]
    form["title"] = "优化营商环境"
    form["slug"] = "business"
    form["description"] = "简介"
    form["hidden"] = False
    form["banner"] = webtest.Upload("banner.png", b"<html><script>alert(1)</script></html>", "image/png")
    refused = form.submit(status=400)
    assert "不是 PNG、JPEG、GIF 或 WebP 图片" in refused.html.select_one("#topic-banner-error").get_text()
    assert refused.html.select_one("#topic-title")["value"] == "优化营商环境"  # nothing typed is lost
    assert topic_by_slug(dbsession, "business") is None

    form = refused.forms["topic-form"]
    form["banner"] = webtest.Upload("横幅.png", PNG, "application/octet-stream")
    form.submit(status=302)
    topic = topic_by_slug(dbsession, "business")
    assert topic.banner_key and platform.blobs.exists(topic.banner_key) and not topic.hidden
    upload = dbsession.scalar(select(Upload).where(Upload.blob_key == topic.banner_key))
    assert upload.media_type == "image/png" and upload.uploaded_by == chief.id
    assert portal_generation(dbsession) > before
    assert json.loads(last_audit(dbsession, "content.topic.create").summary)["banner_key"] == topic.banner_key

    # A banner accepted while another field was wrong is kept for the corrected submission.
    form = testapp.get(f"/admin/content/topics/{topic.id}").forms["topic-form"]
    form["banner"] = webtest.Upload("b.gif", b"GIF89a" + b"\0" * 30, "image/gif")
    form["slug"] = "Not Valid"
    refused = form.submit(status=400)
    pending = refused.forms["topic-form"]["banner_key"].value
    assert pending != topic.banner_key
    form = refused.forms["topic-form"]
    form["slug"] = "business"
    form.submit(status=302)
    assert topic_by_slug(dbsession, "business").banner_key == pending

    # A banner key from the browser must name a stored image.
    form = testapp.get(f"/admin/content/topics/{topic.id}").forms["topic-form"]
    form["banner_key"] = "0" * 64
    form.submit(status=302)
    assert topic_by_slug(dbsession, "business").banner_key == pending


def test_sections_are_added_renamed_reordered_and_deleted(testapp, chief, dbsession, clock, items):
    topic, (policy, work) = make_topic(dbsession, clock)
    dbsession.add(TopicItem(topic_id=topic.id, item_id=items.policy.id, section_id=work.id, position=1))
    dbsession.commit()
    page = testapp.get(f"/admin/content/topics/{topic.id}")
    add = page.forms["section-add"]
    add["title"] = "政策文件"
    refused = add.submit("op", value="add", status=400)
    assert "已有名为“政策文件”的分栏目" in refused.text
    add = refused.forms["section-add"]
    add["title"] = "媒体报道"
    add.submit("op", value="add", status=302)

    def titles():
        dbsession.expire_all()
        return [s.title for s in dbsession.scalars(select(TopicSection).where(TopicSection.topic_id == topic.id)
                                                   .order_by(TopicSection.position))]

    assert titles() == ["政策文件", "工作动态", "媒体报道"]
    page = testapp.get(f"/admin/content/topics/{topic.id}")
    page.forms[f"section-{work.id}"].submit("op", value="up", status=302)
    assert titles() == ["工作动态", "政策文件", "媒体报道"]
    form = testapp.get(f"/admin/content/topics/{topic.id}").forms[f"section-{work.id}"]
    form["title"] = "工作进展"
    form.submit("op", value="rename", status=302)
    assert titles() == ["工作进展", "政策文件", "媒体报道"]
    testapp.get(f"/admin/content/topics/{topic.id}").forms[f"section-{work.id}"].submit("op", value="delete",
                                                                                       status=302)
    assert titles() == ["政策文件", "媒体报道"]
    assert members(dbsession, topic.id) == [(items.policy.id, None)]  # the item stays, unsectioned
    assert json.loads(last_audit(dbsession, "content.topic.section.delete").summary)["items_unsectioned"] == 1
    # A section of another topic cannot be named.
    other, (foreign, _) = make_topic(dbsession, clock, slug="other", title="其他")
    testapp.post(f"/admin/content/topics/{topic.id}/sections",
                 {"csrf_token": csrf_token(testapp), "op": "delete", "section": foreign.id}, status=400)


def test_items_are_added_in_one_step_from_a_search(testapp, chief, dbsession, clock, items):
    topic, (policy, work) = make_topic(dbsession, clock)
    before = portal_generation(dbsession)
    page = testapp.get(f"/admin/content/topics/{topic.id}/items", {"q": "乡村振兴"})
    found = {int(row["data-item"]) for row in page.html.select("#candidates tr[data-item]")}
    assert {items.policy.id, items.subsidy.id, items.draft.id, items.news.id} <= found
    form = page.forms["add-form"]
    for checkbox in form.fields["item"]:
        if int(checkbox._value) in (items.policy.id, items.subsidy.id, items.draft.id):
            checkbox.checked = True
    form["section"] = str(policy.id)
    response = form.submit(status=302)
    assert "q=" in response.location  # back to the same search
    assert members(dbsession, topic.id) == [(items.policy.id, policy.id), (items.subsidy.id, policy.id),
                                            (items.draft.id, policy.id)]
    assert json.loads(last_audit(dbsession, "content.topic.items.add").summary)["items"] == sorted(
        [items.policy.id, items.subsidy.id, items.draft.id])
    assert portal_generation(dbsession) > before

    # What is already in the topic is no longer offered; a column narrows the search.
    page = testapp.get(f"/admin/content/topics/{topic.id}/items", {"q": "乡村振兴"})
    offered = {int(r["data-item"]) for r in page.html.select("#candidates tr[data-item]")}
    assert items.news.id in offered and not offered & {items.policy.id, items.subsidy.id, items.draft.id}
    page = testapp.get(f"/admin/content/topics/{topic.id}/items",
                       {"column": str(items.policy.column_id), "q": "补贴"})
    assert not page.html.select("#candidates tr[data-item]")
    # Nothing ticked: 400 with the results still there.
    page = testapp.get(f"/admin/content/topics/{topic.id}/items", {"q": "现场会"})
    refused = page.forms["add-form"].submit(status=400)
    assert "请先勾选要添加的信息" in refused.text and refused.html.select("#candidates tr[data-item]")
    # LIKE wildcards in the query are searched for literally.
    page = testapp.get(f"/admin/content/topics/{topic.id}/items", {"q": "%"})
    assert not page.html.select("#candidates tr[data-item]")


def test_items_are_reordered_moved_and_removed(testapp, chief, dbsession, clock, items):
    topic, (policy, work) = make_topic(dbsession, clock)
    dbsession.add_all([TopicItem(topic_id=topic.id, item_id=item.id, section_id=policy.id, position=n)
                       for n, item in enumerate((items.policy, items.subsidy, items.news), start=1)])
    dbsession.commit()
    form = testapp.get(f"/admin/content/topics/{topic.id}/items").forms["members-form"]
    form.submit("op", value=f"down:{items.policy.id}", status=302)
    assert [i for i, _ in members(dbsession, topic.id)] == [items.subsidy.id, items.policy.id, items.news.id]

    form = testapp.get(f"/admin/content/topics/{topic.id}/items").forms["members-form"]
    form.set("selected", True, index=[f._value for f in form.fields["selected"]].index(str(items.news.id)))
    form["target"] = str(work.id)
    form.submit("op", value="move", status=302)
    assert (items.news.id, work.id) in members(dbsession, topic.id)

    form = testapp.get(f"/admin/content/topics/{topic.id}/items").forms["members-form"]
    form.set("selected", True, index=[f._value for f in form.fields["selected"]].index(str(items.subsidy.id)))
    form.submit("op", value="remove", status=302)
    assert [i for i, _ in members(dbsession, topic.id)] == [items.policy.id, items.news.id]
    assert json.loads(last_audit(dbsession, "content.topic.items.remove").summary)["items"] == [items.subsidy.id]


def test_a_copy_keeps_sections_and_items_and_starts_hidden(testapp, chief, dbsession, clock, items):
    topic, (policy, work) = make_topic(dbsession, clock)
    dbsession.add_all([TopicItem(topic_id=topic.id, item_id=items.policy.id, section_id=policy.id, position=1),
                       TopicItem(topic_id=topic.id, item_id=items.news.id, section_id=work.id, position=2),
                       TopicItem(topic_id=topic.id, item_id=items.subsidy.id, section_id=None, position=3)])
    dbsession.commit()
    before = portal_generation(dbsession)
    response = testapp.get(f"/admin/content/topics/{topic.id}").forms["topic-copy"].submit(status=302)
    twin = topic_by_slug(dbsession, "rural-copy")
    assert response.location.endswith(f"/admin/content/topics/{twin.id}")
    assert (twin.title, twin.hidden, twin.description) == ("乡村振兴（副本）", True, topic.description)
    sections = {s.id: s.title for s in dbsession.scalars(select(TopicSection).where(TopicSection.topic_id == twin.id))}
    assert sorted(sections.values()) == ["工作动态", "政策文件"]
    assert [(item_id, sections.get(section_id)) for item_id, section_id in members(dbsession, twin.id)] == [
        (items.policy.id, "政策文件"), (items.news.id, "工作动态"), (items.subsidy.id, None)]
    assert len(members(dbsession, topic.id)) == 3  # the original is untouched
    assert portal_generation(dbsession) == before  # a hidden copy changes nothing visitors see
    testapp.get(f"/admin/content/topics/{topic.id}").forms["topic-copy"].submit(status=302)
    assert topic_by_slug(dbsession, "rural-copy-2") is not None


def test_delete_needs_confirmation_and_keeps_the_items(testapp, chief, dbsession, clock, items):
    topic, (policy, _) = make_topic(dbsession, clock)
    topic_id = topic.id
    dbsession.add(TopicItem(topic_id=topic.id, item_id=items.policy.id, section_id=policy.id, position=1))
    dbsession.commit()
    form = testapp.get(f"/admin/content/topics/{topic.id}").forms["topic-delete"]
    testapp.post(f"/admin/content/topics/{topic.id}/delete", {"csrf_token": csrf_token(testapp)}, status=400)
    assert topic_by_slug(dbsession, "rural") is not None
    form["confirm"] = True
    form.submit(status=302)
    assert topic_by_slug(dbsession, "rural") is None
    assert dbsession.scalar(select(func.count()).select_from(TopicItem)) == 0
    assert dbsession.get(type(items.policy), items.policy.id) is not None
    assert last_audit(dbsession, "content.topic.delete").object_id == str(topic_id)


def test_the_public_topic_shows_published_items_only(testapp, dbsession, clock, items):
    topic, (policy, work) = make_topic(dbsession, clock)
    topic.banner_key = "a" * 64
    dbsession.add_all([TopicItem(topic_id=topic.id, item_id=items.policy.id, section_id=policy.id, position=1),
                       TopicItem(topic_id=topic.id, item_id=items.draft.id, section_id=policy.id, position=2),
                       TopicItem(topic_id=topic.id, item_id=items.news.id, section_id=work.id, position=3),
                       TopicItem(topic_id=topic.id, item_id=items.subsidy.id, section_id=None, position=4)])
    dbsession.commit()
    page = testapp.get("/topic/rural")
    assert page.html.select_one("img.topic-banner")["alt"] == "乡村振兴"
    assert page.html.select_one("img.topic-banner")["src"] == "/files/" + "a" * 64
    assert [h.get_text() for h in page.html.select("main h2")] == ["政策文件", "工作动态", "其他信息"]
    links = [a["href"] for a in page.html.select(".topic-items a")]
    assert links == [f"/item/{items.policy.id}", f"/item/{items.news.id}", f"/item/{items.subsidy.id}"]
    assert "乡村振兴工作方案（草稿）" not in page.text
    assert page.html.select_one(".topic-items time")["datetime"] == "2026-05-11"
    assert [a.get_text() for a in page.html.select(".breadcrumbs a")] == ["首页", "专题专栏"]
    assert page.html.select_one(".breadcrumbs [aria-current=page]").get_text() == "乡村振兴"
    assert [p.get_text() for p in page.html.select(".topic-description p")] == ["第一段。", "第二段。"]

    topic.layout = "list"
    dbsession.commit()
    listed = testapp.get("/topic/rural")
    assert [a["href"] for a in listed.html.select(".topic-items a")] == links
    assert not listed.html.select("main h2")

    assert "乡村振兴" in testapp.get("/topics").html.select_one(".topic-cards").get_text()
    home = testapp.get("/")
    assert home.html.select_one(".topics-block a[href='/topic/rural']") is not None

    topic.hidden = True
    dbsession.commit()
    testapp.get("/topic/rural", status=404)
    testapp.get("/topic/no-such-topic", status=404)
    assert testapp.get("/topics").html.select_one(".topic-cards") is None
    assert testapp.get("/").html.select_one(".topics-block a[href='/topic/rural']") is None


def test_a_section_page_is_paged_by_keyset(testapp, dbsession, clock, items):
    from plugins.content.views.topics_public import PAGE_SIZE, SECTION_PREVIEW

    topic, (policy, _) = make_topic(dbsession, clock)
    store = ItemStore(dbsession, clock.now())
    made = []
    for n in range(PAGE_SIZE + 3):
        item = store.create(column_id=items.policy.column_id, type="article", title=f"第{n}号文件", user_id=None)
        store.set_status(item, PUBLISHED)
        made.append(item)
    dbsession.add_all([TopicItem(topic_id=topic.id, item_id=item.id, section_id=policy.id, position=n)
                       for n, item in enumerate(made)])
    dbsession.commit()
    page = testapp.get("/topic/rural")
    assert len(page.html.select(".topic-section .topic-items li")) == SECTION_PREVIEW
    more = page.html.select_one(".topic-section .more a")["href"]
    first = testapp.get(more)
    assert [a.get_text() for a in first.html.select(".topic-items a")] == [f"第{n}号文件" for n in range(PAGE_SIZE)]
    second = testapp.get(first.html.select_one("a[rel=next]")["href"])
    assert [a.get_text() for a in second.html.select(".topic-items a")] == [
        f"第{n}号文件" for n in range(PAGE_SIZE, PAGE_SIZE + 3)]
    assert second.html.select_one("a[rel=next]") is None
    testapp.get("/topic/rural", {"section": str(policy.id), "after": "x"}, status=400)
    testapp.get("/topic/rural", {"section": "999999"}, status=404)


def test_an_editor_without_the_permission_is_refused(testapp, dbsession, make_user, login, clock):
    topic, _sections = make_topic(dbsession, clock)
    editor = person(dbsession, make_user, "topic-editor", ["editor"])
    sign_in(testapp, login, editor)
    token = csrf_token(testapp)
    testapp.get("/admin/content/topics", status=403)
    testapp.get("/admin/content/topics/new", status=403)
    testapp.get(f"/admin/content/topics/{topic.id}/items", status=403)
    testapp.post("/admin/content/topics/batch", {"csrf_token": token, "titles": "越权专题"}, status=403)
    testapp.post(f"/admin/content/topics/{topic.id}/copy", {"csrf_token": token}, status=403)
    testapp.post(f"/admin/content/topics/{topic.id}/delete", {"csrf_token": token, "confirm": "1"}, status=403)
    assert dbsession.scalar(select(func.count()).select_from(Topic)) == 1


def test_a_chief_limited_to_a_subtree_adds_only_items_from_it(testapp, dbsession, make_user, login, clock, items):
    topic, _sections = make_topic(dbsession, clock)
    documents = dbsession.get(Column, items.policy.column_id)
    user = person(dbsession, make_user, "scoped-chief", ["editor_in_chief"], scope=("column", documents.id))
    sign_in(testapp, login, user)
    page = testapp.get(f"/admin/content/topics/{topic.id}/items", {"q": "乡村振兴"})
    found = {int(row["data-item"]) for row in page.html.select("#candidates tr[data-item]")}
    assert items.policy.id in found and items.news.id not in found
    testapp.post(f"/admin/content/topics/{topic.id}/items/add",
                 {"csrf_token": csrf_token(testapp), "item": [str(items.policy.id), str(items.news.id)]}, status=400)
    assert members(dbsession, topic.id) == []
