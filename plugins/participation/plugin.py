"""参政议政：评论、PK 辩论、问卷调查、民意征集、领导信箱

Citizens comment, debate, answer surveys and write to leaders; staff moderate, route and reply.
"""

from govcore import hookimpl
from govcore.contributions import PUBLIC, GroupTemplate, Permission, RoleTemplate
from govcore.core_plugin import ADMIN_ACCESS, ENTERPRISE_GROUP, PUBLIC_GROUP, VERIFIED_GROUP


@hookimpl
def govcore_register_permissions():
    return [
        Permission("participation.moderate", "审核评论与辩论"),
        Permission("participation.surveys", "管理问卷调查与民意征集"),
        Permission("participation.letters", "办理领导信箱与网上信访"),
        Permission("participation.comment", "发表评论与参与辩论", audience=PUBLIC),
        Permission("participation.survey", "参与问卷调查与民意征集", audience=PUBLIC),
        Permission("participation.write", "给领导写信、网上信访", audience=PUBLIC),
    ]


@hookimpl
def govcore_register_roles():
    return [RoleTemplate("letter_handler", "信件办理员", (ADMIN_ACCESS, "participation.letters"),
                         "登记、转办、审核答复领导信箱与网上信访")]


@hookimpl
def govcore_register_groups():
    everyone = ("participation.comment", "participation.survey", "participation.write")
    return [
        GroupTemplate(PUBLIC_GROUP, "公众", everyone),
        GroupTemplate(VERIFIED_GROUP, "实名用户", everyone),
        GroupTemplate(ENTERPRISE_GROUP, "企业用户", everyone),
    ]


@hookimpl
def govcore_register_workflows():
    from plugins.participation.workflows import DEFAULT_WORKFLOWS

    return DEFAULT_WORKFLOWS
