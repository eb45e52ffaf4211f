"""Files applicants send with a 依申请公开 request: checked by content, kept with the request, shown to staff."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from adapters.blobs.sweep import references
from adapters.db.orm import AuditRecord, Role
from adapters.testing.pytest_plugin import csrf_token
from plugins.disclosure.attachments import DisclosureAttachment
from plugins.disclosure.orm import DisclosureRequest
from tests.functional.signin import person
from tests.functional.test_disclosure_requests import form

UPLOADS = Path(__file__).resolve().parents[1] / "fixtures" / "uploads"
PDF = (UPLOADS / "notice.pdf").read_bytes()
PNG = (UPLOADS / "red.png").read_bytes()
APPLY = "/disclosure/requests/apply"


@pytest.fixture
def clock(stop_clock):
    return stop_clock(dt.datetime(2026, 9, 24, 10, 0))


@pytest.fixture
def viewer(dbsession, make_user, clock):
    """Someone who may see requests, and personal data in full, but not handle requests."""
    dbsession.add(Role(name="ysq_reader", title="查看申请", description="", builtin=False, seeded_permissions=[],
                       permissions=["admin.access", "disclosure.requests.view", "personal_data.view_full"]))
    dbsession.commit()
    return person(dbsession, make_user, "ysq-reader", roles=("ysq_reader",))


@pytest.fixture
def masked_viewer(dbsession, make_user, clock):
    """Someone who may see requests with the applicant's data masked only."""
    dbsession.add(Role(name="ysq_masked", title="查看申请（脱敏）", description="", builtin=False,
                       seeded_permissions=[], permissions=["admin.access", "disclosure.requests.view"]))
    dbsession.commit()
    return person(dbsession, make_user, "ysq-masked", roles=("ysq_masked",))


def apply(testapp, files, **changes):
    return testapp.post(APPLY, {**form(**changes), "csrf_token": csrf_token(testapp)},
                        upload_files=[("attachments", name, data) for name, data in files], expect_errors=True)


def request_count(dbsession) -> int:
    return dbsession.scalar(select(func.count()).select_from(DisclosureRequest))


def test_files_sent_with_a_request_are_kept_and_staff_download_them_on_record(
        testapp, dbsession, platform, login, clock, viewer, masked_viewer, mail, fresh_rate_limits):
    assert 'enctype="multipart/form-data"' in testapp.get(APPLY).text
    response = apply(testapp, [("身份证正面.png", PNG), ("授权委托书", PDF)])
    assert response.status_int == 302, response.text
    number = re.search(r'id="tracking-no">([^<]+)<', testapp.get(response.location).text).group(1)
    assert apply(testapp, [], name="李四").status_int == 302
    other = dbsession.scalar(select(func.max(DisclosureRequest.id)))
    row = dbsession.scalar(select(DisclosureRequest).where(DisclosureRequest.tracking_no == number))
    files = dbsession.scalars(select(DisclosureAttachment).where(DisclosureAttachment.request_id == row.id)
                              .order_by(DisclosureAttachment.id)).all()
    # Named by what they are: a name without an extension gets the one the content calls for.
    assert [(f.filename, f.media_type, f.size) for f in files] == [
        ("身份证正面.png", "image/png", len(PNG)), ("授权委托书.pdf", "application/pdf", len(PDF))]
    assert [f.blob_key for f in files] == [hashlib.sha256(PNG).hexdigest(), hashlib.sha256(PDF).hexdigest()]
    record = dbsession.scalar(select(AuditRecord).where(AuditRecord.action == "disclosure.request.file",
                                                        AuditRecord.object_id == str(row.id)))
    assert '"attachments":2' in record.summary
    # The sweep keeps them: the disclosure plugin names them among its blobs.
    with platform.unit_of_work() as uow:
        assert {f.blob_key for f in files} <= references(platform, uow)["disclosure"]

    testapp.reset()
    login(viewer.login)
    page = testapp.get(f"/admin/disclosure/requests/{row.id}")
    section = page.html.find(id="attachments")
    assert "身份证正面.png" in section.text and "PNG" in section.text and "授权委托书.pdf" in section.text
    link = section.find("a", string="授权委托书.pdf")["href"]
    download = testapp.get(link)
    assert download.body == PDF and download.content_type == "application/pdf"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert "no-store" in download.headers["Cache-Control"]
    audit = dbsession.scalar(select(AuditRecord).where(AuditRecord.action == "disclosure.attachment.download"))
    assert audit.actor_login == viewer.login and audit.object_id == str(row.id) and "授权委托书.pdf" in audit.summary
    # An attachment is reached only through its own request.
    testapp.get(link.replace(f"/requests/{row.id}/", f"/requests/{other}/"), status=404)

    # Without the full-view permission the files are listed by name, and not handed out.
    testapp.reset()
    login(masked_viewer.login)
    section = testapp.get(f"/admin/disclosure/requests/{row.id}").html.find(id="attachments")
    assert "授权委托书.pdf" in section.text and section.find("a") is None
    testapp.get(link, status=403)


def test_files_are_judged_by_content_and_a_refusal_keeps_what_was_typed(testapp, dbsession, platform, clock,
                                                                        fresh_rate_limits):
    before = request_count(dbsession)
    pretending = (UPLOADS / "page-pretending.png").read_bytes()
    refused = apply(testapp, [("照片.png", pretending)], name="赵六", description="县医院改扩建项目的环评批复")
    assert refused.status_int == 400
    error = refused.html.find(id="f-attachments-error").text
    assert "“照片.png”无法接受" in error and "只接受 JPEG、PNG 图片或 PDF 文件" in error
    assert 'value="赵六"' in refused.text and "县医院改扩建项目的环评批复" in refused.text
    assert not platform.blobs.exists(hashlib.sha256(pretending).hexdigest())

    word = apply(testapp, [("委托书.docx", (UPLOADS / "report.docx").read_bytes())])
    assert word.status_int == 400 and "“委托书.docx”是Word 文档，这里只接受" in word.text

    too_many = apply(testapp, [(f"第{n}页.pdf", PDF) for n in range(4)])
    assert too_many.status_int == 400 and "最多上传 3 个文件，您选择了 4 个" in too_many.text

    too_big = apply(testapp, [("扫描件.pdf", PDF + b"0" * (10 * 1024 * 1024))])
    assert too_big.status_int == 400 and "“扫描件.pdf”超过 10 MB" in too_big.text

    # A good file with a mistake elsewhere: the citizen is told to choose it again.
    elsewhere = apply(testapp, [("身份证.pdf", PDF)], description="")
    assert elsewhere.status_int == 400
    assert "请描述所需政府信息的内容" in elsewhere.text and "附件未随申请保存" in elsewhere.text
    assert request_count(dbsession) == before
