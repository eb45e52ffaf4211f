"""Orphaned blobs: stored files that no record refers to, and records whose file is missing.

Blobs are written before the transaction that records them commits, so a rolled-back transaction
or a worker killed in mid-request leaves its blobs behind with nothing referring to them. Each
plugin names the blobs its records use (``govcore_blob_references``); every other stored blob is
an orphan. The sweep deletes orphans older than a grace period: a younger one may belong to a
transaction still under way (putting existing bytes again makes a blob young, see
:meth:`ports.blobs.BlobStore.put`). It also removes the partial files of interrupted writes.

A grace period of zero is only safe while nothing writes: with the site stopped, or in tests.
File times are the operating system's, so ages are measured on its clock (``time.time``), not on
the platform clock, which tests stop at a chosen moment.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass

from govcore.platform import Platform
from govcore.audit import SystemAuditor
from ports.persistence import UnitOfWork

log = logging.getLogger(__name__)

DEFAULT_GRACE = dt.timedelta(hours=24)
SWEEP_ACTION = "blobs.sweep"
MISSING_LISTED = 50  # keys named in an audit summary; the CLI's check lists them all


def references(platform: Platform, uow: UnitOfWork) -> dict[str, set[str]]:
    """The blob keys each plugin's records refer to, by plugin (empty keys left out)."""
    found: dict[str, set[str]] = {}
    for plugin, keys in platform.plugins.each("govcore_blob_references", uow=uow):
        found.setdefault(plugin, set()).update(key for key in keys if key)
    return found


@dataclass(frozen=True)
class BlobCensus:
    """What the records refer to against what the store holds, at one moment."""

    referenced_by: dict[str, set[str]]  # plugin -> keys
    stored: frozenset[str]

    @property
    def referenced(self) -> frozenset[str]:
        return frozenset().union(*self.referenced_by.values())

    @property
    def orphans(self) -> frozenset[str]:
        return self.stored - self.referenced

    def missing(self) -> dict[str, list[str]]:
        """Keys a record refers to that the store lacks, by plugin, sorted."""
        return {plugin: sorted(keys - self.stored) for plugin, keys in sorted(self.referenced_by.items())
                if keys - self.stored}


def take_census(platform: Platform, uow: UnitOfWork) -> BlobCensus:
    # References first: a blob put and recorded in between is then stored but unreferenced, and
    # young, so the grace period keeps it; read the other way round it would look missing.
    referenced_by = references(platform, uow)
    return BlobCensus(referenced_by, frozenset(platform.blobs.keys()))


@dataclass(frozen=True)
class SweepReport:
    stored: int
    referenced: int
    swept: tuple[str, ...]  # orphans deleted (or, in a dry run, that would be)
    young: int  # orphans kept because they are younger than the grace period
    temporaries: int  # partial files of interrupted writes removed
    missing: dict[str, list[str]]  # plugin -> referenced keys the store lacks
    grace_hours: float
    dry_run: bool

    @property
    def missing_count(self) -> int:
        return sum(len(keys) for keys in self.missing.values())

    def summary(self) -> dict:
        """For the audit trail: counts, and the first missing keys with the plugin that wants them."""
        listed = {plugin: keys[:MISSING_LISTED] for plugin, keys in self.missing.items()}
        return {"stored": self.stored, "referenced": self.referenced, "swept": len(self.swept),
                "young_orphans": self.young, "temporaries": self.temporaries, "missing": self.missing_count,
                "missing_keys": listed, "grace_hours": self.grace_hours, "dry_run": self.dry_run}


def sweep(platform: Platform, uow: UnitOfWork, grace: dt.timedelta = DEFAULT_GRACE, dry_run: bool = False,
          now: float | None = None) -> SweepReport:
    """Delete orphans and partial files older than ``grace``; report what was swept and what is missing."""
    if grace < dt.timedelta(0):
        raise ValueError("the grace period cannot be negative")
    before = (time.time() if now is None else now) - grace.total_seconds()
    census = take_census(platform, uow)
    blobs = platform.blobs
    swept, young = [], 0
    for key in sorted(census.orphans):
        if dry_run:
            try:
                old = blobs.written_at(key) < before
            except KeyError:
                continue  # deleted meanwhile
        else:
            old = blobs.delete_if_older(key, before)
        if old:
            swept.append(key)
        else:
            young += 1
    temporaries = blobs.sweep_temporaries(before, dry_run=dry_run)
    return SweepReport(stored=len(census.stored), referenced=len(census.referenced), swept=tuple(swept),
                       young=young, temporaries=temporaries, missing=census.missing(),
                       grace_hours=grace.total_seconds() / 3600, dry_run=dry_run)


def audit_sweep(platform: Platform, uow: UnitOfWork, report: SweepReport, trigger: str) -> None:
    """Record a sweep that deleted files in the audit trail, as the system's act."""
    SystemAuditor(uow, platform.clock)(SWEEP_ACTION, "blob_store", "", {**report.summary(), "trigger": trigger})


def run_daily_sweep(platform: Platform, uow: UnitOfWork) -> None:
    """The daily job (registered in adapters/blobs/hooks.py)."""
    report = sweep(platform, uow)
    audit_sweep(platform, uow, report, "job")
    log.info("blob sweep: %s", report.summary())
    if report.missing:
        log.error("records refer to %d missing blobs: %s", report.missing_count, report.missing)
