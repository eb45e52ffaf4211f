"""参政议政：评论、PK 辩论、问卷调查、民意征集、领导信箱

Citizens comment, debate, answer surveys and write to leaders; staff moderate, route and reply.
"""

from govcore import hookimpl
from govcore.contributions import Permission


@hookimpl
def govcore_register_permissions():
    return [
        Permission("participation.moderate", "审核评论与辩论"),
        Permission("participation.surveys", "管理问卷调查与民意征集"),
        Permission("participation.letters", "办理领导信箱与网上信访"),
    ]
