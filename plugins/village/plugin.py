"""村务十项：村级事务的办理与阳光村务公开

The ten village-affairs procedures of a county's responsibility list, run by village and township
cadres, with publicity periods and disclosure per village.
"""

from govcore import hookimpl
from govcore.contributions import Permission


@hookimpl
def govcore_register_permissions():
    return [
        Permission("village.manage", "办理本村事务"),
        Permission("village.review", "乡镇审核村级事务"),
        Permission("village.disclose", "发布村务公开"),
    ]
