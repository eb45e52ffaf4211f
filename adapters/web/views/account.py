"""One's own account: the TOTP second factor, and resetting a forgotten password by e-mail.

A reset request always gets the same answer, whether or not the account exists or has an
e-mail address; the link it mails is valid once, for ``[security] reset_link_minutes`` (one hour
by default), and only the SHA-256 of its token is stored.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from pyramid.config import Configurator
from pyramid.httpexceptions import HTTPFound
from pyramid.security import forget
from sqlalchemy import select, update

from adapters.db.orm import PasswordReset, User
from adapters.web import second_factor
from adapters.web.account_security import NOTICE_QUEUE, PENDING, landing_path, rotate_session, safe_target
from adapters.web.captcha import captcha_problem
from adapters.web.i18n import _
from adapters.web.ratelimit import client_address
from adapters.web.views.auth import WRONG_CODE, find_account
from govcore.accounts import normalise_email
from govcore.audit import FAILURE
from govcore.core_plugin import ACCOUNT_SELF, PORTAL_VIEW
from govcore.notify import notify
from ports.notifier import Notification

T = "adapters.web:templates/"
RESET_RULE = "reset_ip"
PUBLIC_URL_SETTING = "govcore.public_url"  # e.g. https://www.example.gov.cn


def includeme(config: Configurator) -> None:
    config.add_route("login.totp", "/login/totp")
    config.add_route("account.totp", "/account/totp")
    config.add_route("account.totp_disable", "/account/totp/disable")
    config.add_route("account.reset", "/account/reset")
    config.add_route("account.reset_token", "/account/reset/{token}")
    add = config.add_view
    add("adapters.web.views.auth.code_form", route_name="login.totp", request_method="GET",
        renderer=T + "login_totp.pt", permission=ACCOUNT_SELF)
    add("adapters.web.views.auth.verify_code", route_name="login.totp", request_method="POST",
        renderer=T + "login_totp.pt", permission=ACCOUNT_SELF)
    add(totp_page, route_name="account.totp", request_method="GET", renderer=T + "account_totp.pt",
        permission=ACCOUNT_SELF)
    add(enable_totp, route_name="account.totp", request_method="POST", renderer=T + "account_totp.pt",
        permission=ACCOUNT_SELF)
    add(disable_totp, route_name="account.totp_disable", request_method="POST",
        renderer=T + "account_totp.pt", permission=ACCOUNT_SELF)
    add(reset_form, route_name="account.reset", request_method="GET", renderer=T + "reset_request.pt",
        permission=PORTAL_VIEW)
    add(request_reset, route_name="account.reset", request_method="POST", renderer=T + "reset_request.pt",
        permission=PORTAL_VIEW)
    add(new_password_form, route_name="account.reset_token", request_method="GET",
        renderer=T + "reset_password.pt", permission=PORTAL_VIEW)
    add(set_new_password, route_name="account.reset_token", request_method="POST",
        renderer=T + "reset_password.pt", permission=PORTAL_VIEW)


# The second factor ------------------------------------------------------------------------------

def _totp_page(request, error=None):
    user = request.current_user
    request.response.cache_control = "no-store"  # the page shows the secret
    page = {"enabled": user.totp_enabled, "error": error, "came_from": request.params.get("came_from", ""),
            "mandatory": second_factor.second_factor_mandatory(user, request.security_settings),
            "secret": None, "qr": None}
    if not user.totp_enabled:
        if not user.totp_secret:
            # Kept on the account, not in the (readable) session cookie, until a code confirms it.
            user.totp_secret = second_factor.new_secret()
        uri = second_factor.provisioning_uri(user.totp_secret, user.login, request.platform.county.full_name)
        page.update(secret=second_factor.grouped(user.totp_secret), qr=second_factor.qr_svg(uri))
    if error is not None:
        request.response.status_int = 400
    return page


def totp_page(request):
    return _totp_page(request)


def enable_totp(request):
    user = request.current_user
    if user.totp_enabled:
        return HTTPFound(location=request.route_path("account.totp"))
    step = second_factor.accept_code(request, user, request.POST.get("code", ""))
    if step is None:
        request.audit(second_factor.ENABLE, "user", user.id, summary={}, result=FAILURE)
        return _totp_page(request, WRONG_CODE)
    user.totp_enabled = True
    request.audit(second_factor.ENABLE, "user", user.id, summary={second_factor.STEP_KEY: step})
    rotate_session(request, **{PENDING: None})
    request.session.flash(request.localizer.translate(_("双因素认证已启用，今后登录时需输入验证器中的验证码。")), "success")
    return HTTPFound(location=safe_target(request.POST.get("came_from"), landing_path(request, user)))


def disable_totp(request):
    user = request.current_user
    if not user.totp_enabled:
        return HTTPFound(location=request.route_path("account.totp"))
    if second_factor.second_factor_mandatory(user, request.security_settings):
        return _totp_page(request, _("您的账户必须使用双因素认证，不能停用。"))
    step = second_factor.accept_code(request, user, request.POST.get("code", ""))
    if step is None:
        request.audit(second_factor.DISABLE, "user", user.id, summary={}, result=FAILURE)
        return _totp_page(request, WRONG_CODE)
    user.totp_enabled = False
    user.totp_secret = None
    request.audit(second_factor.DISABLE, "user", user.id, summary={second_factor.STEP_KEY: step})
    rotate_session(request)
    request.session.flash(request.localizer.translate(_("双因素认证已停用。")), "success")
    return HTTPFound(location=request.route_path("account.totp"))


# Password reset ---------------------------------------------------------------------------------

def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _reset_request_page(request, value="", sent=False, error=None):
    if error is not None:
        request.response.status_int = 400
    return {"value": value, "sent": sent, "error": error, "minutes": request.security_settings.reset_link_minutes}


def reset_form(request):
    return _reset_request_page(request)


def request_reset(request):
    request.rate_limits.consume(RESET_RULE, client_address(request))
    value = request.POST.get("account", "").strip()
    problem = captcha_problem(request)
    if problem is not None or not value:
        return _reset_request_page(request, value, error=problem or _("请填写用户名或电子邮箱"))
    recipients = _reset_recipients(request, value)
    for user in recipients:
        _send_reset_link(request, user)
    if not recipients:
        request.audit("account.password_reset_request", "user", "", summary={"account": value}, result=FAILURE)
    # The same answer either way: the form must not tell which accounts exist.
    return _reset_request_page(request, sent=True)


def _reset_recipients(request, value: str) -> list[User]:
    user = find_account(request, value)
    if user is not None:
        return [user] if user.email else []
    address = normalise_email(value)
    if address is None:
        return []
    return list(request.dbsession.scalars(
        select(User).where(User.email == address, User.is_active.is_(True)).order_by(User.id)))


def public_url(request, path: str) -> str:
    """An absolute link for a mail, on ``govcore.public_url`` when the deployment sets it.

    The Host header is whatever the client sends: without the setting, someone asking for a
    reset with a forged Host would have the victim mailed a valid link to the forger's server.
    """
    base = request.registry.settings.get(PUBLIC_URL_SETTING)
    return (base.rstrip("/") if base else request.host_url) + path


def _send_reset_link(request, user: User) -> None:
    settings = request.security_settings
    now = request.platform.clock.now()
    token = secrets.token_urlsafe(32)
    request.dbsession.add(PasswordReset(user_id=user.id, token_hash=_token_hash(token), created_at=now,
                                        expires_at=now + dt.timedelta(minutes=settings.reset_link_minutes)))
    url = public_url(request, request.route_path("account.reset_token", token=token))
    translate = request.localizer.translate
    county = request.platform.county.full_name
    notify(request.uow, request.platform.mail, Notification(
        recipient_id=user.id,
        subject=translate(_("${site}：重置密码", mapping={"site": county})),
        body=translate(_("${name}，您好：\n\n有人（可能是您本人）请求重置账户“${login}”的密码。"
                         "请在 ${minutes} 分钟内打开下面的链接设置新密码，链接只能使用一次：\n\n${url}\n\n"
                         "如果这不是您本人的操作，请忽略本邮件，您的密码不会改变。\n\n${site}",
                         mapping={"name": user.display_name, "login": user.login, "url": url,
                                  "minutes": settings.reset_link_minutes, "site": county})),
        channels=("mail",),
        email=user.email,
    ))
    request.audit("account.password_reset_request", "user", user.id, summary={}, actor=user)


def _valid_reset(request) -> PasswordReset | None:
    reset = request.dbsession.scalar(
        select(PasswordReset).where(PasswordReset.token_hash == _token_hash(request.matchdict["token"])))
    if reset is None or reset.used_at is not None or reset.expires_at <= request.platform.clock.now():
        return None
    user = request.dbsession.get(User, reset.user_id)
    return reset if user is not None and user.is_active else None


def _reset_page(request, reset, errors=()):
    request.response.cache_control = "no-store"
    if reset is None:
        request.response.status_int = 404
    elif errors:
        request.response.status_int = 400
    settings = request.security_settings
    return {"valid": reset is not None, "errors": list(errors), "policy": settings.password_policy,
            "minutes": settings.reset_link_minutes}


def new_password_form(request):
    return _reset_page(request, _valid_reset(request))


def set_new_password(request):
    reset = _valid_reset(request)
    if reset is None:
        return _reset_page(request, None)
    user = request.dbsession.get(User, reset.user_id)
    new = request.POST.get("new", "")
    errors = list(request.security_settings.password_policy.problems(new, user.login))
    if new != request.POST.get("repeat", ""):
        errors.append(_("两次输入的新密码不一致"))
    if errors:
        return _reset_page(request, reset, errors)
    now = request.platform.clock.now()
    user.password_hash = request.platform.extras["passwords"].hash(new)
    user.must_change_password = False
    user.password_changed_at = now
    # Proving control of the mailbox lifts a lockout; every other link of this account dies.
    user.failed_logins = 0
    user.locked_until = None
    request.dbsession.execute(update(PasswordReset)
                              .where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))
                              .values(used_at=now))
    request.audit("account.password_reset", "user", user.id, summary={}, actor=user)
    headers = forget(request)  # whatever session this browser had is replaced
    request.session.flash(request.localizer.translate(_("密码已重置，请使用新密码登录。")), NOTICE_QUEUE)
    return HTTPFound(location=request.route_path("login"), headers=headers)
