"""The blob store's hooks: the daily sweep of orphaned blobs.

The core's own tables refer to no blobs; the plugins that store files name theirs through
``govcore_blob_references``.
"""

from __future__ import annotations

from govcore import hookimpl
from ports.scheduler import RecurringJob


@hookimpl
def govcore_register_jobs():
    # At night, after the day's uploads: the grace period keeps the blobs of requests still running.
    return [RecurringJob("blobs.sweep", "adapters.blobs.sweep:run_daily_sweep", "清理无引用的附件文件",
                         cron="40 3 * * *")]
