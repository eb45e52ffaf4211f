"""Backup and restore of a deployment: database, blobs and settings, with a manifest.

A backup is one folder ``govcore-<deployment>-<YYYYmmddTHHMMSS>`` holding the database snapshot,
the blobs, the settings files and, written last, ``manifest.json`` with every file's checksum
(:mod:`adapters.backup.manifest`). :mod:`adapters.backup.create` writes one,
:mod:`adapters.backup.restore` rebuilds a site from one, :mod:`adapters.backup.schedule` runs the
daily backup and :mod:`adapters.backup.retention` deletes the old ones.
"""

from __future__ import annotations

from govcore.errors import GovcoreError


class BackupError(GovcoreError):
    """A backup could not be written, or a backup cannot be restored; the message says why."""
