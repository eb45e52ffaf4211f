"""Self-registration of citizens (mobile number or e-mail) and enterprises (统一社会信用代码).

The mobile number or e-mail address is the sign-in name. A new account joins the 公众 or 企业用户
group, whose permissions the security administrator edits, and is signed in at once.
"""

from __future__ import annotations

from pyramid.config import Configurator
from pyramid.httpexceptions import HTTPFound
from pyramid.security import remember
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from adapters.db.orm import Group, User
from adapters.web.captcha import captcha_problem
from adapters.web.i18n import _
from adapters.web.ratelimit import client_address
from govcore.accounts import contact_kind, credit_code_problem, normalise_credit_code
from govcore.core_plugin import ENTERPRISE_GROUP, PORTAL_VIEW, PUBLIC_GROUP

T = "adapters.web:templates/"
REGISTER_RULE = "register_ip"
NAME_LIMIT = 100
TAKEN = _("该手机号码或电子邮箱已注册，请直接登录；忘记密码可通过“找回密码”重置")


def includeme(config: Configurator) -> None:
    config.add_route("register", "/register")
    config.add_route("register.enterprise", "/register/enterprise")
    add = config.add_view
    for route, template in (("register", "register.pt"), ("register.enterprise", "register_enterprise.pt")):
        add(registration_form, route_name=route, request_method="GET", renderer=T + template,
            permission=PORTAL_VIEW)
        add(register, route_name=route, request_method="POST", renderer=T + template,
            permission=PORTAL_VIEW)


def _page(request, values: dict, errors: dict) -> dict:
    if errors:
        request.response.status_int = 400
    return {"values": values, "errors": errors, "policy": request.security_settings.password_policy}


def registration_form(request):
    return _page(request, {}, {})


def register(request):
    request.rate_limits.consume(REGISTER_RULE, client_address(request))
    enterprise = request.matched_route.name == "register.enterprise"
    values = {name: request.POST.get(name, "").strip() for name in ("account", "name", "credit_code")}
    password = request.POST.get("password", "")
    errors: dict[str, object] = {}
    captcha = captcha_problem(request)
    if captcha is not None:
        errors["captcha"] = captcha
    contact = contact_kind(values["account"])
    if contact is None:
        errors["account"] = _("请输入有效的手机号码（11 位）或电子邮箱地址")
    elif _login_taken(request, contact[1]):
        errors["account"] = TAKEN
    if not values["name"]:
        errors["name"] = _("请填写企业名称") if enterprise else _("请填写姓名")
    elif len(values["name"]) > NAME_LIMIT:
        errors["name"] = _("名称不能超过 ${limit} 个字", mapping={"limit": NAME_LIMIT})
    credit_code = normalise_credit_code(values["credit_code"]) if enterprise else None
    if enterprise:
        problem = credit_code_problem(credit_code) if credit_code else None
        if not credit_code:
            errors["credit_code"] = _("请填写统一社会信用代码")
        elif problem is not None:
            errors["credit_code"] = _(problem)  # a catalogue entry of govcore.accounts
        elif request.dbsession.scalar(select(func.count()).select_from(User).where(User.credit_code == credit_code)):
            errors["credit_code"] = _("该统一社会信用代码已注册企业账户。如非本企业所为，请与网站管理部门联系。")
        values["credit_code"] = credit_code
    login = contact[1] if contact is not None else values["account"]
    problems = request.security_settings.password_policy.problems(password, login)
    if problems:
        errors["password"] = "；".join(problems)
    elif password != request.POST.get("confirm", ""):
        errors["confirm"] = _("两次输入的密码不一致")
    if errors:
        return _page(request, values, errors)

    kind = "enterprise" if enterprise else "citizen"
    now = request.platform.clock.now()
    user = User(login=login, display_name=values["name"], kind=kind, is_active=True, must_change_password=False,
                created_at=now, password_changed_at=now, last_login_at=now, credit_code=credit_code,
                password_hash=request.platform.extras["passwords"].hash(password),
                **{contact[0]: contact[1]})
    group_name = ENTERPRISE_GROUP if enterprise else PUBLIC_GROUP
    group = request.dbsession.scalar(select(Group).where(Group.name == group_name))
    if group is not None:
        user.groups.append(group)
    try:
        with request.dbsession.begin_nested():
            request.dbsession.add(user)
    except IntegrityError:
        # Someone registered the same name a moment ago, between the check above and now.
        return _page(request, values, {"account": TAKEN})
    request.audit("account.register", "user", user.id, summary={"kind": kind, "contact": contact[0]}, actor=user)
    headers = remember(request, user.id)
    request.session.flash(request.localizer.translate(_("注册成功，欢迎您！")), "success")
    return HTTPFound(location=request.route_path("home"), headers=headers)


def _login_taken(request, login: str) -> bool:
    return bool(request.dbsession.scalar(select(func.count()).select_from(User).where(User.login == login)))
