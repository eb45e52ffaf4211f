"""The applicants' personal data in 依申请公开 requests: download, deletion and the retention period.

A request and its reply are kept as records for years after it was concluded (administrative
review and litigation, the annual report); what identifies the applicant is cleared once that
period ends, or on a deletion request when it already has. The request itself stays, still
counted in the annual statistics (type of applicant, dates and outcome are not personal data).
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select, update

from govcore.contributions import PersonalDataKind
from govcore.i18n import _
from govcore.retention import cutoff, kept_until, retention_days

KIND = "disclosure.requests"
DEFAULT_RETENTION_DAYS = 5 * 365
BASIS = _("《中华人民共和国政府信息公开条例》及档案管理规定：申请材料和答复在办结后保存，"
          "以备行政复议、行政诉讼和政府信息公开工作年度报告；保存期满后删除申请人的个人信息。")
RECORDS_KEPT = "依《政府信息公开条例》及档案管理规定，"


def personal_data_kind() -> PersonalDataKind:
    return PersonalDataKind(name=KIND, title=_("政府信息公开申请"), retention_days=DEFAULT_RETENTION_DAYS,
                            basis=BASIS, export=export_requests, erase=erase_requests, expire=expire_requests)


def _requests_of(uow, user_id: int):
    from plugins.disclosure.orm import DisclosureRequest

    return uow.session.scalars(select(DisclosureRequest).where(DisclosureRequest.applicant_user_id == user_id)
                               .order_by(DisclosureRequest.filed_on, DisclosureRequest.id))


def export_requests(uow, user_id: int) -> list[dict[str, Any]]:
    from plugins.disclosure.domain import APPLICANT_TYPES, CITIZEN, DELIVERY_METHODS, REPLY_TYPES, STATUS_TITLES

    rows = list(_requests_of(uow, user_id))
    attachments = _attachments(uow, [row.id for row in rows])
    exported = []
    for row in rows:
        applicant = row.applicant()
        if row.applicant_type == CITIZEN:
            who = {"姓名": applicant.name, "证件类型": applicant.id_type, "证件号码": applicant.id_number}
        else:
            who = {"法人或其他组织名称": applicant.org_name, "统一社会信用代码": applicant.credit_code,
                   "法定代表人或负责人": applicant.legal_rep, "联系人": applicant.contact_name}
        exported.append({
            "申请编号": row.tracking_no,
            "提交日期": row.filed_on,
            "状态": STATUS_TITLES[row.status],
            "申请人类型": APPLICANT_TYPES[row.applicant_type],
            **who,
            "联系电话": applicant.phone,
            "电子邮箱": applicant.email,
            "通信地址": applicant.address,
            "邮政编码": applicant.postcode,
            "所需信息的内容描述": row.description,
            "文件名称": row.doc_title,
            "文号": row.doc_number,
            "用途": row.purpose,
            "获取信息的方式": DELIVERY_METHODS.get(row.delivery, row.delivery),
            "答复类型": REPLY_TYPES.get(row.reply_type, ""),
            "答复内容": row.reply_text,
            "办结日期": row.concluded_on,
            "申请人提交的附件": [attachment.filename for attachment in attachments.get(row.id, [])],
        })
    return exported


def _attachments(uow, request_ids: list[int]) -> dict[int, list]:
    from plugins.disclosure.attachments import DisclosureAttachment

    found: dict[int, list] = {}
    if request_ids:
        for attachment in uow.session.scalars(select(DisclosureAttachment).where(
                DisclosureAttachment.request_id.in_(request_ids)).order_by(DisclosureAttachment.id)):
            found.setdefault(attachment.request_id, []).append(attachment)
    return found


def erase_requests(uow, user_id: int, now: dt.datetime) -> list[str]:
    """Anonymise the requests whose period has run out; say until when each other one is kept."""
    days = retention_days(uow.platform.county, personal_data_kind())
    today = now.astimezone(ZoneInfo(uow.platform.county.timezone)).date()
    limit = cutoff(today, days)
    kept = []
    for row in list(_requests_of(uow, user_id)):
        if row.concluded_on is None:
            kept.append(f"申请 {row.tracking_no} 尚在办理中，{RECORDS_KEPT}申请材料在办结后保存 {days} 天。")
        elif row.concluded_on >= limit:
            until = kept_until(row.concluded_on, days).isoformat()
            kept.append(f"申请 {row.tracking_no}：{RECORDS_KEPT}申请材料保存至 {until}，期满后删除其中的个人信息。")
        else:
            anonymise(uow.session, row, now)
    return kept


def expire_requests(uow, before: dt.date) -> int:
    from plugins.disclosure.orm import DisclosureRequest

    rows = uow.session.scalars(select(DisclosureRequest).where(
        DisclosureRequest.concluded_on < before, DisclosureRequest.personal_erased_at.is_(None)))
    count = 0
    for row in rows.all():
        anonymise(uow.session, row, uow.platform.clock.now())
        count += 1
    return count


def anonymise(session, row, now: dt.datetime) -> None:
    """Clear what identifies the applicant; keep what the request was and how it ended.

    The description, the purpose and the applicant's own 补正 texts are cleared too: people
    often name themselves there, and the files they sent (身份证明) go; their blobs, referred to by
    nothing any more, leave with the next orphan sweep. The reply is the authority's own document
    and stays.
    """
    from plugins.disclosure.attachments import DisclosureAttachment
    from plugins.disclosure.domain import Applicant
    from plugins.disclosure.orm import DisclosureEvent

    row.set_applicant(Applicant(row.applicant_type))
    row.description = row.purpose = ""
    row.applicant_user_id = None
    row.personal_erased_at = now
    session.execute(update(DisclosureEvent)
                    .where(DisclosureEvent.request_id == row.id, DisclosureEvent.action == "clarification_supplied")
                    .values(note=""))
    session.execute(delete(DisclosureAttachment).where(DisclosureAttachment.request_id == row.id))
