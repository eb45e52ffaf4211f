"""The core's own kind of personal data: the account, and the sign-ins recorded for it."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import delete, select

from adapters.db.orm import AuditRecord, InboxMessage, OrgUnit, PasswordReset, User
from govcore.audit import DENIED, FAILURE
from govcore.contributions import PersonalDataKind
from govcore.i18n import _
from govcore.personal_data_requests import ACCOUNT_KIND

ERASED_NAME = "已注销用户"
ERASED_LOGIN_PREFIX = "erased-"
# No password hasher produces or accepts this: the account can never be signed in to again.
UNUSABLE_PASSWORD = "!erased"
SIGN_IN_ACTIONS = ("login", "login.password", "login.lockout")
SIGN_IN_LIMIT = 100  # the newest sign-in records in the download
ACCOUNT_KINDS = {"staff": "工作人员", "citizen": "个人用户", "enterprise": "企业用户"}
AUDIT_KEPT = _("审计日志中您的登录和操作记录依《中华人民共和国网络安全法》第二十一条留存不少于六个月，"
               "不能删除；这些记录只保存当时的登录名文本，不含姓名、联系方式等其他个人信息。")


def _moment(value: dt.datetime | None, tz) -> str | None:
    return value.astimezone(tz).isoformat(timespec="seconds") if value is not None else None


def _sign_in_event(record: AuditRecord) -> str:
    if record.action == "login.lockout":
        return "连续登录失败，账户被暂时锁定"
    if record.action == "login.password":
        return "密码正确，等待输入验证码"
    if record.result == FAILURE:
        return "登录失败"
    if record.result == DENIED:
        return "登录被拒绝（账户已锁定）"
    return "登录成功"


def export_account(uow, user_id: int) -> list[dict[str, Any]]:
    session, tz = uow.session, uow.platform.clock.tz
    user = session.get(User, user_id)
    if user is None:
        return []
    unit = session.get(OrgUnit, user.org_unit_id) if user.org_unit_id is not None else None
    sign_ins = session.scalars(
        select(AuditRecord).where(AuditRecord.actor_id == user_id, AuditRecord.action.in_(SIGN_IN_ACTIONS))
        .order_by(AuditRecord.id.desc()).limit(SIGN_IN_LIMIT))
    profile = {
        "登录名": user.login,
        "姓名或名称": user.display_name,
        "账户类型": ACCOUNT_KINDS.get(user.kind, user.kind),
        "电子邮箱": user.email,
        "手机号码": user.mobile,
        "统一社会信用代码": user.credit_code,
        "注册时间": _moment(user.created_at, tz),
        "最近登录时间": _moment(user.last_login_at, tz),
        "双因素认证": "已启用" if user.totp_enabled else "未启用",
        "用户组": [group.title for group in user.groups],
        "角色": [assignment.role.title for assignment in user.assignments],
        "所属单位": unit.name if unit is not None else None,
        "近期登录记录": [{"时间": _moment(record.at, tz), "事件": _sign_in_event(record), "IP 地址": record.ip,
                      "浏览器": record.user_agent} for record in sign_ins],
    }
    return [profile]


def erase_account(uow, user_id: int, now: dt.datetime) -> list[str]:
    """Anonymise and close the account; the audit trail stays, as the law requires."""
    session = uow.session
    user = session.get(User, user_id, with_for_update=True)
    if user is None:
        return []
    # Random, so the new name tells nothing, and unique, so no later account can take it.
    user.login = ERASED_LOGIN_PREFIX + uuid.uuid4().hex
    user.display_name = ERASED_NAME
    user.email = user.mobile = user.credit_code = None
    user.password_hash = UNUSABLE_PASSWORD
    user.is_active = False
    user.must_change_password = False
    user.totp_secret, user.totp_enabled = None, False
    user.failed_logins, user.locked_until, user.last_login_at = 0, None, None
    user.org_unit_id = None
    user.groups = []
    user.assignments.clear()
    session.execute(delete(InboxMessage).where(InboxMessage.recipient_id == user_id))
    session.execute(delete(PasswordReset).where(PasswordReset.user_id == user_id))
    session.flush()
    return [AUDIT_KEPT]


def account_kind() -> PersonalDataKind:
    return PersonalDataKind(
        name=ACCOUNT_KIND,
        title=_("账户信息"),
        retention_days=None,
        basis=_("《中华人民共和国个人信息保护法》第十三条：为提供您使用的网上服务所必需，账户存续期间保存，"
                "账户注销时删除；登录记录依《中华人民共和国网络安全法》第二十一条留存不少于六个月。"),
        export=export_account,
        erase=erase_account,
    )
