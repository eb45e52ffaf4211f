"""Uploads for items: the type is read from the bytes, and a file is public only once a published item uses it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from adapters.db.orm import AuditRecord
from adapters.testing.pytest_plugin import csrf_token
from plugins.content.items import PUBLISHED
from plugins.content.orm import Column, Upload
from plugins.content.store import ItemStore
from tests.functional.signin import person, sign_in

SAMPLES = Path(__file__).resolve().parent.parent / "fixtures" / "uploads"


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


@pytest.fixture
def editor(testapp, dbsession, make_user, login):
    user = person(dbsession, make_user, "editor-upload", ["editor"])
    sign_in(testapp, login, user)
    return user


def post_file(testapp, name: str, data: bytes, kind: str = "attachment", status: int = 200):
    return testapp.post("/admin/content/uploads", {"csrf_token": csrf_token(testapp), "kind": kind},
                        upload_files=[("files", name, data)], status=status)


@pytest.mark.parametrize(("name", "kind", "media_type", "category"), [
    ("red.png", "image", "image/png", "image"),
    ("clip.mp4", "media", "video/mp4", "video"),
    ("beep.wav", "media", "audio/wav", "audio"),
    ("notice.pdf", "attachment", "application/pdf", "attachment"),
    ("report.docx", "attachment", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
     "attachment"),
    ("notes.txt", "attachment", "text/plain; charset=utf-8", "attachment"),
])
def test_files_are_accepted_by_their_content(testapp, editor, dbsession, name, kind, media_type, category):
    answer = post_file(testapp, name, sample(name), kind).json
    assert answer["success"] is True
    upload = answer["data"]["uploads"][0]
    assert (upload["media_type"], upload["category"], upload["name"]) == (media_type, category, name)
    assert answer["data"]["files"] == [upload["url"]] and upload["url"].startswith(f"/files/{upload['key']}/")
    assert answer["data"]["isImages"] == [category == "image"]
    row = dbsession.get(Upload, upload["id"])
    assert row.media_type == media_type and row.item_id is None and row.uploaded_by == editor.id
    record = dbsession.scalars(select(AuditRecord).where(AuditRecord.action == "content.upload")
                               .order_by(AuditRecord.id.desc())).first()
    assert json.loads(record.summary)["key"] == upload["key"]


def test_the_client_name_and_type_are_not_trusted(testapp, editor, dbsession):
    before = dbsession.scalar(select(Upload.id).order_by(Upload.id.desc()).limit(1))
    # An HTML page named like a picture, sent as image/png by the client.
    answer = testapp.post("/admin/content/uploads", {"csrf_token": csrf_token(testapp), "kind": "image"},
                          upload_files=[("files", "photo.png", sample("page-pretending.png"), "image/png")],
                          status=400).json
    assert answer["success"] is False and "HTML" in answer["data"]["messages"][0]
    assert "SVG" in post_file(testapp, "logo.svg", sample("vector.svg"), status=400).json["data"]["messages"][0]
    # Real PDF bytes under a picture's name: the name lies about the content.
    message = post_file(testapp, "photo.png", sample("notice.pdf"), status=400).json["data"]["messages"][0]
    assert "不符" in message
    # A real picture where only audio or video is wanted.
    assert "音频" in post_file(testapp, "red.png", sample("red.png"), "media", status=400).json["data"]["messages"][0]
    # A name without extension gets the one that fits.
    assert post_file(testapp, "扫描件", sample("notice.pdf")).json["data"]["uploads"][0]["name"] == "扫描件.pdf"
    dbsession.expire_all()
    assert [row.filename for row in dbsession.scalars(select(Upload).where(Upload.id > (before or 0)))] == ["扫描件.pdf"]


def test_uploading_needs_the_permission_and_the_token(testapp, dbsession, make_user, login):
    testapp.post("/admin/content/uploads", {"kind": "image"}, upload_files=[("files", "red.png", sample("red.png"))],
                 status=403)  # anonymous, and no CSRF token either
    citizen = person(dbsession, make_user, "citizen-upload", kind="citizen")
    sign_in(testapp, login, citizen)
    post_file(testapp, "red.png", sample("red.png"), "image", status=403)


def test_an_unpublished_file_is_for_staff_only_until_a_published_item_uses_it(testapp, editor, dbsession, platform):
    upload = post_file(testapp, "会议通知.pdf", sample("notice.pdf")).json["data"]["uploads"][0]
    staff = testapp.get(upload["url"])
    assert staff.headers["Cache-Control"].startswith("private")
    assert staff.headers["Content-Type"] == "application/pdf"
    assert staff.headers["X-Content-Type-Options"] == "nosniff"
    assert staff.headers["Content-Disposition"] == (
        "attachment; filename=\"____.pdf\"; filename*=UTF-8''%E4%BC%9A%E8%AE%AE%E9%80%9A%E7%9F%A5.pdf")
    assert staff.body == sample("notice.pdf")

    testapp.reset()  # signed out
    testapp.get(upload["url"], status=404)
    testapp.get(f"/files/{'0' * 64}", status=404)

    store = ItemStore(dbsession, platform.clock.now())
    column = dbsession.scalar(select(Column).where(Column.slug == "notices"))
    item = store.create(column_id=column.id, type="article", title="会议通知", user_id=editor.id)
    store.claim_uploads(item, [], [upload["id"]])
    dbsession.commit()
    testapp.get(upload["url"], status=404)  # used, but by a draft
    store.set_status(item, PUBLISHED, editor.id)
    dbsession.commit()
    public = testapp.get(upload["url"])
    assert public.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert public.body == sample("notice.pdf")


def test_video_is_served_inline_with_range_requests(testapp, editor):
    upload = post_file(testapp, "clip.mp4", sample("clip.mp4"), "media").json["data"]["uploads"][0]
    whole = testapp.get(upload["url"])
    assert whole.headers["Content-Disposition"].startswith("inline;")
    assert whole.headers["Accept-Ranges"] == "bytes"
    part = testapp.get(upload["url"], headers={"Range": "bytes=100-199"}, status=206)
    assert part.body == sample("clip.mp4")[100:200]
    assert part.headers["Content-Range"] == f"bytes 100-199/{len(sample('clip.mp4'))}"
    etag = whole.headers["ETag"]
    testapp.get(upload["url"], headers={"If-None-Match": etag}, status=304)
