"""信息采集：从其他网站自动采集信息

Sources, schedules, extraction of title, date and body, de-duplication, review, and import as
drafts with attribution.
"""

from govcore import hookimpl
from govcore.contributions import Permission


@hookimpl
def govcore_register_permissions():
    return [
        Permission("harvest.sources", "管理采集来源"),
        Permission("harvest.review", "审核采集结果"),
    ]
