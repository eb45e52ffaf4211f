"""依申请公开 by the rules of the 中华人民共和国政府信息公开条例 (2019). Framework-free.

A request moves through these statuses::

    received ──accept──▶ processing ──reply──▶ replied ──close──▶ closed
        │                  │    ▲
        └──ask to clarify──┴──▶ clarification ──applicant answers──┘
                                      └──close (逾期不补正, 视为放弃申请)──▶ closed

The reply is due 20 working days after the request was received (第三十三条); the head of the
disclosure office may extend that once, by at most 20 working days, with a reason. When the
applicant is asked to clarify (补正, 第三十条) the clock stops, and restarts in full from the day
the clarification arrives. Working days come from the platform's calendar, so public holidays and
the adjusted working weekends count as the State Council arranges them.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass
from typing import Mapping, Protocol

from govcore.accounts import credit_code_problem, normalise_credit_code, normalise_email, normalise_mobile
from govcore.i18n import _
from govcore.personal_data import (mask_address, mask_email, mask_id_number, mask_name, mask_phone,
                                   mask_postcode)

STATUTORY_DAYS = 20  # 第三十三条第二款
MAX_EXTENSION_DAYS = 20

RECEIVED, PROCESSING, CLARIFICATION, REPLIED, CLOSED = "received", "processing", "clarification", "replied", "closed"
STATUS_TITLES = {
    RECEIVED: _("已收到"),
    PROCESSING: _("办理中"),
    CLARIFICATION: _("待补正"),
    REPLIED: _("已答复"),
    CLOSED: _("已办结"),
}
OPEN_STATUSES = (RECEIVED, PROCESSING)  # the clock runs; CLARIFICATION pauses it

CITIZEN, ORGANISATION = "citizen", "organisation"
APPLICANT_TYPES = {CITIZEN: _("公民"), ORGANISATION: _("法人或其他组织")}
ID_TYPES = ("居民身份证", "港澳居民来往内地通行证", "台湾居民来往大陆通行证", "护照", "外国人永久居留身份证", "其他")
RESIDENT_ID = ID_TYPES[0]
DELIVERY_METHODS = {"email": _("电子邮件"), "post": _("邮寄"), "pickup": _("自行领取"), "online": _("网上查看")}

# Reply types (第三十六条) and, where the annual report counts them separately, their grounds.
DISCLOSE, PARTIAL, WITHHOLD, UNAVAILABLE, NOT_PROCESSED, NOT_EXIST, NOT_HELD, OTHER = (
    "disclose", "partial", "withhold", "unavailable", "not_processed", "not_exist", "not_held", "other")
REPLY_TYPES = {
    DISCLOSE: _("予以公开"),
    PARTIAL: _("部分公开"),
    WITHHOLD: _("不予公开"),
    UNAVAILABLE: _("无法提供"),
    NOT_PROCESSED: _("不予处理"),
    NOT_EXIST: _("信息不存在"),
    NOT_HELD: _("非本机关掌握"),
    OTHER: _("其他"),
}
WITHHOLD_GROUNDS = {
    "state_secret": _("属于国家秘密（第十四条）"),
    "law_forbids": _("其他法律行政法规禁止公开（第十四条）"),
    "security": _("危及“三安全一稳定”（第十四条）"),
    "third_party": _("保护第三方合法权益（第十五条）"),
    "internal": _("属于三类内部事务信息（第十六条第一款）"),
    "process": _("属于四类过程性信息（第十六条第二款）"),
    "enforcement": _("属于行政执法案卷（第十六条第二款）"),
    "query": _("属于行政查询事项（第三十六条第七项）"),
}
UNAVAILABLE_GROUNDS = {
    "needs_making": _("没有现成信息，需要另行制作（第三十八条）"),
    "still_unclear": _("补正后申请内容仍不明确（第三十条）"),
}
NOT_PROCESSED_GROUNDS = {
    "petition": _("信访举报投诉类申请（第三十九条第一款）"),
    "repeated": _("重复申请（第三十六条第六项）"),
    "publication": _("要求提供公开出版物（第三十九条第二款）"),
    "excessive": _("无正当理由大量反复申请（第三十五条）"),
    "confirm": _("要求行政机关确认或重新出具已获取信息"),
}
OTHER_GROUNDS = {
    "fee_unpaid": _("申请人逾期未按收费通知要求缴纳费用，不再处理"),
    "other": _("其他"),
}
GROUNDS = {WITHHOLD: WITHHOLD_GROUNDS, UNAVAILABLE: UNAVAILABLE_GROUNDS, NOT_PROCESSED: NOT_PROCESSED_GROUNDS,
           OTHER: OTHER_GROUNDS}
# Closing a request whose applicant never clarified it (第三十条: 视为放弃申请).
ABANDONED = "abandoned"
ABANDONED_NOTE = _("申请人无正当理由逾期不补正，视为放弃申请")

LIMITS = {"name": 50, "id_number": 40, "org_name": 100, "credit_code": 18, "legal_rep": 50, "contact_name": 50,
          "phone": 20, "email": 254, "address": 200, "postcode": 6, "description": 2000, "doc_title": 200,
          "doc_number": 100, "purpose": 500}
FORM_FIELDS = ("applicant_type", "name", "id_type", "id_number", "org_name", "credit_code", "legal_rep",
               "contact_name", "phone", "email", "address", "postcode", "description", "doc_title", "doc_number",
               "purpose", "delivery")


class Calendar(Protocol):
    def add_working_days(self, start: dt.date, days: int) -> dt.date: ...

    def working_days_between(self, start: dt.date, end: dt.date) -> int: ...


class DisclosureError(Exception):
    """An action the request's state or the rules do not allow; the message is for people."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


# -- Deadlines ---------------------------------------------------------------------------------


def due_date(calendar: Calendar, clock_start: dt.date, extension_days: int = 0) -> dt.date:
    """The last day for the reply: 20 working days (plus any extension) after ``clock_start``.

    ``clock_start`` is the day the request, or the applicant's clarification, was received; it is
    not itself counted, as with every time limit counted in days.
    """
    return calendar.add_working_days(clock_start, STATUTORY_DAYS + extension_days)


def working_days_left(calendar: Calendar, today: dt.date, due_on: dt.date) -> int:
    """Working days after today up to the due day; 0 on the due day itself, negative once overdue."""
    return calendar.working_days_between(today, due_on)


def is_overdue(status: str, due_on: dt.date | None, today: dt.date) -> bool:
    return status in OPEN_STATUSES and due_on is not None and today > due_on


def check_extension(status: str, already_extended: bool, days: int | None, reason: str) -> None:
    """Raise unless one extension of 1–20 working days with a reason may be granted now."""
    if status not in OPEN_STATUSES:
        raise DisclosureError(_("只有受理中的申请可以延期"))
    if already_extended:
        raise DisclosureError(_("答复期限只能延长一次，本申请已延期"))
    if days is None or not 1 <= days <= MAX_EXTENSION_DAYS:
        raise DisclosureError(_("延长的期限应为 1 至 20 个工作日"), "days")
    if not reason.strip():
        raise DisclosureError(_("请填写延期理由"), "reason")


ALLOWED = {
    "accept": (RECEIVED,),
    "clarify": (RECEIVED, PROCESSING),
    "extend": OPEN_STATUSES,
    "reply": OPEN_STATUSES,
    "close": (REPLIED, CLARIFICATION),
}


def check_action(action: str, status: str) -> None:
    if status not in ALLOWED[action]:
        raise DisclosureError(_("当前状态下不能进行此操作，请刷新页面查看最新状态"))


@dataclass(frozen=True)
class Reply:
    reply_type: str
    ground: str  # a key of GROUNDS[reply_type], "" for types without grounds
    authority: str  # the competent authority, for NOT_HELD
    text: str


def check_reply(reply_type: str, ground: str, authority: str, text: str) -> Reply:
    if reply_type not in REPLY_TYPES:
        raise DisclosureError(_("请选择答复类型"), "reply_type")
    grounds = GROUNDS.get(reply_type, {})
    if grounds and ground not in grounds:
        raise DisclosureError(_("请选择依据或理由"), "ground")
    if reply_type == NOT_HELD and not authority.strip():
        raise DisclosureError(_("请填写负责公开该信息的行政机关名称及联系方式"), "authority")
    if not text.strip():
        raise DisclosureError(_("请填写答复内容"), "text")
    if len(text) > 5000:
        raise DisclosureError(_("答复内容不能超过 5000 个字"), "text")
    return Reply(reply_type, ground if grounds else "", authority.strip() if reply_type == NOT_HELD else "",
                 text.strip())


def ground_title(reply_type: str, ground: str) -> str:
    return GROUNDS.get(reply_type, {}).get(ground, "")


# -- Tracking number and query code ------------------------------------------------------------

TRACKING_PREFIX = "YSQ"
_TRACKING = re.compile(r"^YSQ-(\d{4})-(\d{6,})$")
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I look-alikes
CODE_LENGTH = 10


def tracking_number(year: int, seq: int) -> str:
    return f"{TRACKING_PREFIX}-{year}-{seq:06d}"


def normalise_tracking_number(text: str) -> str | None:
    value = re.sub(r"\s", "", text).upper()
    return value if _TRACKING.match(value) else None


def new_query_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_query_code(text: str) -> str:
    return re.sub(r"[\s-]", "", text).upper()


# -- Personal data -----------------------------------------------------------------------------


_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def resident_id_problem(value: str) -> str | None:
    """What is wrong with an 18-character 居民身份证号码 (GB 11643-1999), or None."""
    if not re.fullmatch(r"\d{17}[\dX]", value):
        return _("居民身份证号码应为 18 位，最后一位可以是 X")
    if _ID_CHECK[sum(int(c) * w for c, w in zip(value, _ID_WEIGHTS)) % 11] != value[17]:
        return _("居民身份证号码校验位不正确，请核对后重新输入")
    return None


_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}(-\d{1,6})?$")


def normalise_phone(text: str) -> str | None:
    """A mobile number (11 digits) or a landline with area code (0571-88888888), or None."""
    mobile = normalise_mobile(text)
    if mobile:
        return mobile
    value = re.sub(r"\s", "", text)
    return value if _LANDLINE.match(value) else None


# -- The application form (第二十九条) -----------------------------------------------------------


def clean_application(raw: Mapping[str, str], agreed: bool) -> tuple[dict[str, str], dict[str, str]]:
    """The submitted form normalised, and the problems per field (empty when it may be filed).

    The values are returned even when there are problems, so the form can be shown again as the
    applicant filled it in.
    """
    values = {name: str(raw.get(name, "")).strip() for name in FORM_FIELDS}
    errors: dict[str, str] = {}
    kind = values["applicant_type"]
    if kind not in APPLICANT_TYPES:
        errors["applicant_type"] = _("请选择申请人类型")
    if kind == CITIZEN:
        if not values["name"]:
            errors["name"] = _("请填写姓名")
        if values["id_type"] not in ID_TYPES:
            errors["id_type"] = _("请选择证件类型")
        values["id_number"] = re.sub(r"\s", "", values["id_number"]).upper()
        if not values["id_number"]:
            errors["id_number"] = _("请填写证件号码")
        elif values["id_type"] == RESIDENT_ID and (problem := resident_id_problem(values["id_number"])):
            errors["id_number"] = problem
        for name in ("org_name", "credit_code", "legal_rep", "contact_name"):
            values[name] = ""
    elif kind == ORGANISATION:
        if not values["org_name"]:
            errors["org_name"] = _("请填写法人或其他组织的名称")
        values["credit_code"] = normalise_credit_code(values["credit_code"])
        if not values["credit_code"]:
            errors["credit_code"] = _("请填写统一社会信用代码")
        elif problem := credit_code_problem(values["credit_code"]):
            errors["credit_code"] = problem
        if not values["legal_rep"]:
            errors["legal_rep"] = _("请填写法定代表人或负责人")
        if not values["contact_name"]:
            errors["contact_name"] = _("请填写联系人姓名")
        for name in ("name", "id_type", "id_number"):
            values[name] = ""
    phone = normalise_phone(values["phone"]) if values["phone"] else None
    if not values["phone"]:
        errors["phone"] = _("请填写联系电话")
    elif phone is None:
        errors["phone"] = _("请填写有效的手机号码或带区号的固定电话")
    else:
        values["phone"] = phone
    if values["email"]:
        email = normalise_email(values["email"])
        if email is None:
            errors["email"] = _("电子邮箱格式不正确")
        else:
            values["email"] = email
    if values["postcode"] and not re.fullmatch(r"\d{6}", values["postcode"]):
        errors["postcode"] = _("邮政编码应为 6 位数字")
    if not values["description"]:
        errors["description"] = _("请描述所需政府信息的内容，便于查找")
    if values["delivery"] not in DELIVERY_METHODS:
        errors["delivery"] = _("请选择获取信息的方式")
    elif values["delivery"] == "email" and not values["email"] and "email" not in errors:
        errors["email"] = _("选择通过电子邮件获取信息时，请填写电子邮箱")
    elif values["delivery"] == "post" and not values["address"]:
        errors["address"] = _("选择邮寄时，请填写通信地址")
    for name, limit in LIMITS.items():
        if len(values[name]) > limit and name not in errors:
            errors[name] = _("填写的内容过长，请精简")
    if not agreed:
        errors["agree"] = _("请阅读并确认申请须知")
    return values, errors


# -- Reply attachments, checked by their content ------------------------------------------------

MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
_SIGNATURES = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"GIF87a", "image/gif", "gif"),
    (b"GIF89a", "image/gif", "gif"),
)
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the binary Office formats and WPS share it
_OLE_KINDS = {"doc": "application/msword", "xls": "application/vnd.ms-excel",
              "ppt": "application/vnd.ms-powerpoint", "wps": "application/wps-office.wps",
              "et": "application/wps-office.et", "dps": "application/wps-office.dps"}
_ZIP_KINDS = (
    ("OFD.xml", "application/ofd", "ofd"),
    ("word/", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"),
    ("xl/", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    ("ppt/", "application/vnd.openxmlformats-officedocument.presentationml.presentation", "pptx"),
)


def attachment_kind(data: bytes, zip_names: list[str] | None = None, filename: str = "") -> tuple[str, str] | None:
    """(media type, extension) of a PDF, OFD, image or Office file, judged by content; None otherwise.

    ``zip_names`` lists the members when ``data`` is a zip archive (the caller opens it), since OFD
    and Office Open XML files are zip archives told apart by what they contain. The binary
    formats share one container, so there the file name's extension says which it is.
    """
    if data[:12].startswith(b"RIFF") and data[8:12] == b"WEBP":
        return "image/webp", "webp"
    for signature, media_type, extension in _SIGNATURES:
        if data.startswith(signature):
            return media_type, extension
    if data.startswith(OLE_SIGNATURE):
        extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
        extension = extension if extension in _OLE_KINDS else "doc"
        return _OLE_KINDS[extension], extension
    if data.startswith(b"PK\x03\x04") and zip_names:
        for marker, media_type, extension in _ZIP_KINDS:
            if any(name == marker or (marker.endswith("/") and name.startswith(marker)) for name in zip_names):
                return media_type, extension
    return None


@dataclass(frozen=True)
class Applicant:
    """Who asked, with their personal data: kept together so that one place reads and writes it."""

    applicant_type: str
    name: str = ""
    id_type: str = ""
    id_number: str = ""
    org_name: str = ""
    credit_code: str = ""
    legal_rep: str = ""
    contact_name: str = ""
    phone: str = ""
    email: str = ""
    address: str = ""
    postcode: str = ""

    @property
    def display_name(self) -> str:
        return self.name if self.applicant_type == CITIZEN else self.org_name

    def masked(self) -> "Applicant":
        """The same applicant as lists and public pages show it: a person's data partly hidden.

        An organisation's name and credit code are public facts and stay whole.
        """
        return Applicant(**{**self.__dict__, "name": mask_name(self.name), "id_number": mask_id_number(self.id_number),
                            "legal_rep": mask_name(self.legal_rep), "contact_name": mask_name(self.contact_name),
                            "phone": mask_phone(self.phone), "email": mask_email(self.email),
                            "address": mask_address(self.address), "postcode": mask_postcode(self.postcode)})

    def personal_fields(self) -> tuple[str, ...]:
        """The names of the personal fields that hold something (what a full view shows)."""
        return tuple(name for name in PERSONAL_FIELDS if getattr(self, name))


APPLICANT_FIELDS = tuple(name for name in Applicant.__dataclass_fields__ if name != "applicant_type")
# What identifies or reaches a person; masked unless a full view is asked for, encrypted at rest.
PERSONAL_FIELDS = ("name", "id_number", "legal_rep", "contact_name", "phone", "email", "address", "postcode")
