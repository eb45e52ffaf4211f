"""网上办公：文件签收与审核审批

Documents sent to departments and people for sign-off (文件签收), and documents run through
configurable review and approval procedures (文件审核、审批).
"""

from govcore import hookimpl
from govcore.contributions import Permission


@hookimpl
def govcore_register_permissions():
    return [
        Permission("officework.send", "发送文件", "向部门和人员分发需签收的文件"),
        Permission("officework.sign", "签收文件"),
        Permission("officework.approve", "审核审批文件"),
    ]


@hookimpl
def govcore_register_workflows():
    from plugins.officework.workflows import DEFAULT_WORKFLOWS

    return DEFAULT_WORKFLOWS
