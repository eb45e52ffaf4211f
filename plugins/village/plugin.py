"""村务十项：村级事务的办理与阳光村务公开

The ten village-affairs procedures of a county's responsibility list, run by village and township
cadres, with publicity periods and disclosure per village.
"""

from govcore import hookimpl
from govcore.contributions import Permission, RoleTemplate
from govcore.core_plugin import ADMIN_ACCESS


@hookimpl
def govcore_register_permissions():
    return [
        Permission("village.manage", "办理本村事务"),
        Permission("village.review", "乡镇审核村级事务"),
        Permission("village.disclose", "发布村务公开"),
    ]


@hookimpl
def govcore_register_roles():
    # Both are meant to be limited to an org unit: a village, or the township above its villages.
    return [
        RoleTemplate("village_admin", "村务管理员", (ADMIN_ACCESS, "village.manage", "village.disclose"),
                     "办理并公开本村事务"),
        RoleTemplate("township_reviewer", "乡镇审核员", (ADMIN_ACCESS, "village.review"),
                     "审核辖区各村上报的事务"),
    ]


@hookimpl
def govcore_register_workflows():
    from plugins.village.workflows import DEFAULT_WORKFLOWS

    return DEFAULT_WORKFLOWS


@hookimpl
def govcore_seed(context):
    if context.demo:
        from plugins.village.demo import seed_demo_case

        context.report(f"村务示例事项：新建 {seed_demo_case(context)} 个")
