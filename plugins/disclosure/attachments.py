"""Files an applicant sends with a request: a copy of an ID document (身份证明) or other supporting papers.

Optional, at most three, each a JPEG or PNG picture or a PDF of at most 10 MB, judged by its
content (the content plugin's detector, which never trusts the name or the browser's type). The
files go into the blob store before the request's transaction commits; if it does not commit,
they are orphans and the blob sweep removes them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, BinaryIO, Iterable

from sqlalchemy import ForeignKey, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from adapters.db.meta import Base
from adapters.db.types import UtcDateTime
from adapters.web.i18n import _
from plugins.content.views.portal_pages import size_label
from plugins.content.views.uploads_types import JPEG, PDF, PNG, Refused, detect, format_label
from plugins.disclosure.orm import DisclosureRequest
from ports.blobs import BlobStore

MAX_FILES = 3
MAX_FILE_MB = 10
MAX_FILE_BYTES = MAX_FILE_MB * 1024 * 1024
ACCEPTED = (JPEG, PNG, PDF)
FILENAME_LIMIT = 200


class DisclosureAttachment(Base):
    __tablename__ = "disclosure_attachment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey(DisclosureRequest.id, ondelete="CASCADE"), index=True)
    blob_key: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    uploaded_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


@dataclass(frozen=True)
class ApplicantFile:
    """An uploaded file that passed the checks, not yet stored."""

    stream: BinaryIO
    filename: str
    media_type: str


def chosen_files(fields: Iterable[Any]) -> list[Any]:
    """The form's file fields that carry a file (an empty file input sends a part without a name)."""
    return [field for field in fields if hasattr(field, "file") and getattr(field, "filename", "")]


def check_applicant_files(fields: list[Any]) -> tuple[list[ApplicantFile], list[str]]:
    """The files that may be kept, and what is wrong with the others (translation strings)."""
    if len(fields) > MAX_FILES:
        return [], [_("最多上传 ${max} 个文件，您选择了 ${count} 个，请删减后重新选择",
                      mapping={"max": MAX_FILES, "count": len(fields)})]
    accepted, problems = [], []
    for field in fields:
        name = field.filename
        stream = field.file
        stream.seek(0, 2)
        if stream.tell() > MAX_FILE_BYTES:
            problems.append(_("“${name}”超过 ${mb} MB，请缩小后重新选择", mapping={"name": name, "mb": MAX_FILE_MB}))
            continue
        try:
            detected = detect(stream, name)
        except Refused as refused:
            problems.append(_("“${name}”无法接受：${reason}。只接受 JPEG、PNG 图片或 PDF 文件，请重新选择",
                              mapping={"name": name, "reason": refused.message}))
            continue
        if detected.kind not in ACCEPTED:
            problems.append(_("“${name}”是${kind}，这里只接受 JPEG、PNG 图片或 PDF 文件，请重新选择",
                              mapping={"name": name, "kind": detected.kind.title}))
            continue
        accepted.append(ApplicantFile(stream, _short_name(detected.filename), detected.kind.media_type))
    return accepted, problems


def _short_name(name: str) -> str:
    if len(name) <= FILENAME_LIMIT:
        return name
    stem, _dot, extension = name.rpartition(".")
    return f"{stem[:FILENAME_LIMIT - len(extension) - 1]}.{extension}"


def store_applicant_files(session: Session, blobs: BlobStore, request_id: int, files: list[ApplicantFile],
                          now: dt.datetime) -> list[DisclosureAttachment]:
    rows = []
    for file in files:
        file.stream.seek(0)
        ref = blobs.put(file.stream)
        rows.append(DisclosureAttachment(request_id=request_id, blob_key=ref.key, filename=file.filename,
                                         media_type=file.media_type, size=ref.size, uploaded_at=now))
    session.add_all(rows)
    session.flush()
    return rows


def attachments_of(session: Session, request_id: int) -> list[tuple[DisclosureAttachment, str, str]]:
    """A request's attachments, each with its format and size as staff read them (PDF, 1.2 MB)."""
    rows = session.scalars(select(DisclosureAttachment).where(DisclosureAttachment.request_id == request_id)
                           .order_by(DisclosureAttachment.id))
    return [(row, format_label(row.media_type), size_label(row.size)) for row in rows]
