"""Rebuilding a working site from a backup folder (``govcore restore``).

Everything is checked before anything is written: every checksum, that the target folders and the
target database are empty, that this govcore knows every migration the data has seen, and that
the personal-data keys the data needs are at hand. Then the settings files, the key files (when
the backup has them), the database and the blobs are restored, pending migrations run and the
search index is rebuilt. A restore that fails removes the files it wrote, a SQLite database
included; a PostgreSQL database it already loaded must be dropped and re-created by hand, which
the error says.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import plaster
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy.engine import make_url

from adapters.backup import BackupError, snapshot
from adapters.backup.create import KEYS_DIR, SETTINGS_DIR
from adapters.backup.manifest import Manifest, blob_listing, blob_path, read_manifest, verify
from adapters.blobs.sweep import references
from adapters.bootstrap import build_platform, resolve_locations
from adapters.db import migrate
from adapters.search.reindex import reindex
from adapters.security.personal_cipher import KEYS_ENV, KEYS_FILE, load_keyring
from govcore.county import load_county
from govcore.plugins import build_plugins

DEFAULT_CONFIG = "development.ini"
APP_SECTION = "app:main"


@dataclass
class RestoreSummary:
    manifest: Manifest
    deployment_dir: Path
    config: str
    var_dir: Path
    database: str  # the URL, password hidden
    pinned: dict[str, str]  # settings written into the restored ini file
    password_left_out: bool
    blobs: int = 0
    blob_bytes: int = 0
    heads: dict[str, list[str]] = field(default_factory=dict)  # after the migrations
    documents: int = 0
    missing_blobs: list[str] = field(default_factory=list)  # referenced by a record, absent from the backup


def restore_backup(backup: Path, into: Path, database: str | None = None, var: str | None = None,
                   config_name: str | None = None, report: Callable[[str], None] = lambda line: None,
                   ) -> RestoreSummary:
    backup, into = Path(backup).resolve(), Path(into).resolve()
    manifest = read_manifest(backup)
    report("校验备份中每个文件的校验和 / verifying every checksum")
    verify(backup, manifest)
    config = config_name or manifest.config or DEFAULT_CONFIG
    _require_empty(into, "目标部署目录", "target deployment folder")
    written = _Written()
    target: _Target | None = None
    try:
        written.folder(into)
        _copy_listed(backup, manifest, SETTINGS_DIR, into)
        settings = _settings(into, config, database, var)
        target = _checked_target(backup, manifest, into, settings)
        written.folder(target.var_dir)
        if manifest.includes_keys:
            _copy_listed(backup, manifest, KEYS_DIR, target.var_dir, mode=0o600)
        pinned, password_left_out = _pin_overrides(into / config, database, var)
        report(f"恢复数据库 / restoring the database into {target.shown}")
        if manifest.database_kind == snapshot.SQLITE:
            written.file(Path(make_url(target.url).database))
        snapshot.load(manifest.database_kind, backup / manifest.database_file, target.url)
        target.loaded = True
        summary = RestoreSummary(manifest, into, config, target.var_dir, target.shown, pinned, password_left_out)
        _rebuild(backup, manifest, settings, summary, report)
    except BaseException as exc:
        written.undo()
        if target and target.loaded and manifest.database_kind == snapshot.POSTGRESQL and isinstance(exc, Exception):
            raise BackupError(
                f"{_zh(exc)}\n数据库 {target.shown} 已写入备份的数据：再次恢复前请删除并重新创建这个数据库",
                f"{_en(exc)}\nthe database {target.shown} now holds the backup's data: drop and re-create it "
                "before restoring again",
            ) from exc
        raise
    return summary


@dataclass
class _Target:
    var_dir: Path
    url: str
    loaded: bool = False  # the database holds the backup's data

    @property
    def shown(self) -> str:
        return make_url(self.url).render_as_string(hide_password=True)


def _checked_target(backup: Path, manifest: Manifest, into: Path, settings: dict) -> _Target:
    """Where the restored site's data goes, once every check that writes nothing has passed."""
    resolved = resolve_locations(settings)
    target = _Target(Path(resolved["govcore.var_dir"]), resolved["sqlalchemy.url"])
    for path, zh, en in (
        (target.var_dir, "目标 var 目录", "target var folder"),
        (Path(resolved.get("govcore.blob_dir") or target.var_dir / "blobs"), "目标附件目录", "target blob folder"),
        (Path(resolved.get("govcore.search_dir") or target.var_dir / "search"), "目标检索索引目录",
         "target search index folder"),
    ):
        _require_empty(path, zh, en)
    _require_keys(manifest, backup / KEYS_DIR if manifest.includes_keys else target.var_dir)
    _require_known_revisions(into, manifest)
    kind = snapshot.database_kind(target.url)
    if kind != manifest.database_kind:
        raise BackupError(
            f"这份备份的数据库是 {manifest.database_kind}，目标数据库却是 {kind}：请用 --database 指定一个空的 "
            f"{manifest.database_kind} 数据库",
            f"this backup holds a {manifest.database_kind} database but the target is {kind}: give an empty "
            f"{manifest.database_kind} database with --database",
        )
    if not snapshot.is_empty(target.url):
        raise BackupError(f"目标数据库 {target.shown} 不是空的：恢复只写入空数据库，以免覆盖现有数据",
                          f"the target database {target.shown} is not empty: restore only writes into an empty "
                          "database")
    return target


def _rebuild(backup: Path, manifest: Manifest, settings: dict, summary: RestoreSummary,
             report: Callable[[str], None]) -> None:
    """Blobs, migrations and the search index, on the platform of the restored site."""
    platform = build_platform(settings)
    try:
        report(f"恢复附件 {manifest.blob_count} 个 / restoring {manifest.blob_count} blobs")
        for key, size in blob_listing(backup):
            with blob_path(backup, key).open("rb") as fh:
                platform.blobs.put(fh)
            summary.blobs, summary.blob_bytes = summary.blobs + 1, summary.blob_bytes + size
        engine = platform.extras["engine"]
        migrate.upgrade(engine, platform.plugins.migration_locations,
                        report=lambda line: report(f"数据库结构 / migrations {line}"))
        summary.heads = {branch: list(migrate.current_heads(engine, branch, versions))
                         for branch, versions in migrate.branches(platform.plugins.migration_locations)}
        report("重建全文检索索引 / rebuilding the search index")
        summary.documents = reindex(platform, progress_bar=False)
        with platform.unit_of_work() as uow:
            referenced = set().union(*references(platform, uow).values())
        summary.missing_blobs = sorted(key for key in referenced if not platform.blobs.exists(key))
    finally:
        platform.extras["engine"].dispose()


class _Written:
    """What a restore created, so that a failed one leaves the target as it found it."""

    def __init__(self):
        self._undo: list[Callable[[], None]] = []

    def folder(self, path: Path) -> None:
        if path.exists():  # checked empty: empty it again
            self._undo.append(lambda: [_remove(child) for child in path.iterdir()])
        else:
            self._undo.append(lambda: shutil.rmtree(path, ignore_errors=True))
            path.mkdir(parents=True)

    def file(self, path: Path) -> None:
        if not path.exists():
            self._undo.append(lambda: [_remove(Path(f"{path}{suffix}")) for suffix in ("", "-wal", "-shm")])

    def undo(self) -> None:
        for step in reversed(self._undo):
            step()


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    elif path.exists() or path.is_symlink():
        path.unlink()


def _require_empty(path: Path, zh: str, en: str) -> None:
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise BackupError(f"{zh} {path} 已存在且不是空目录：恢复不会覆盖现有文件",
                          f"the {en} {path} exists and is not empty: restore never overwrites files")


def _copy_listed(backup: Path, manifest: Manifest, prefix: str, target: Path, mode: int = 0o644) -> None:
    """Copy the manifest's files under ``prefix`` (checked, unlike anything else lying in the folder)."""
    for entry in manifest.files:
        if entry.path.startswith(prefix + "/"):
            copy = target / entry.path.removeprefix(prefix + "/")
            copy.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(copy, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
            with os.fdopen(fd, "wb") as out, (backup / entry.path).open("rb") as original:
                shutil.copyfileobj(original, out)


def _settings(into: Path, config: str, database: str | None, var: str | None) -> dict:
    """The restored site's settings, read as every govcore command reads them."""
    if not (into / config).is_file():
        raise BackupError(f"备份中没有配置文件 {config}（可用 --config 指定其中一个）",
                          f"the backup holds no {config} (name one of its ini files with --config)")
    settings = dict(plaster.get_settings(str(into / config), APP_SECTION))
    settings.setdefault("govcore.deployment", str(into))
    if database:
        settings["govcore.database_url"] = database
    if var:
        settings["govcore.var_dir"] = str(Path(var).resolve())
    return settings


def _require_known_revisions(into: Path, manifest: Manifest) -> None:
    """Refuse data that a newer govcore migrated: this one could neither run nor upgrade it."""
    plugins = build_plugins(load_county(into).enabled_plugins)
    unknown = []
    for branch, versions in migrate.branches(plugins.migration_locations):
        config = Config()
        config.set_main_option("script_location", str(migrate.MIGRATIONS_DIR))
        config.set_main_option("version_locations", versions)
        config.set_main_option("path_separator", "os")
        known = {script.revision for script in ScriptDirectory.from_config(config).walk_revisions()}
        unknown += [f"{branch}:{head}" for head in manifest.alembic_heads.get(branch, []) if head not in known]
    if unknown:
        names = ", ".join(unknown)
        raise BackupError(
            f"备份的数据库结构（{names}）比当前 govcore 更新：请安装 {manifest.govcore_version} 或更新的版本后再恢复",
            f"the backup's database was migrated by a newer govcore ({names}): install {manifest.govcore_version} "
            "or newer, then restore",
        )


def available_key_ids(folder: Path) -> tuple[str, ...]:
    """The ids of the personal-data keys the restored site will have: the environment's, else those
    of the key file in ``folder`` (the backup's, or the target var folder's); no key file is created."""
    if os.environ.get(KEYS_ENV, "").strip() or (folder / KEYS_FILE).is_file():
        return load_keyring(folder).key_ids
    return ()


def _require_keys(manifest: Manifest, key_folder: Path) -> None:
    available = available_key_ids(key_folder)
    missing = [key_id for key_id in manifest.key_ids if key_id not in available]
    if missing:
        names = ", ".join(missing)
        raise BackupError(
            f"缺少个人信息加密密钥 {names}：备份中的个人信息是用它们加密的，没有它们就无法读取。"
            f"请在环境变量 {KEYS_ENV} 中提供这些密钥，然后重新恢复",
            f"personal-data keys {names} are missing: the backup's personal data is encrypted with them. Provide "
            f"them in {KEYS_ENV} and restore again",
        )


def _pin_overrides(ini: Path, database: str | None, var: str | None) -> tuple[dict[str, str], bool]:
    """Write ``--database`` and ``--var`` into the restored ini, so the site starts on what was restored.

    A password is never written into the file: it stays in the environment (GOVCORE_DATABASE_URL
    or PGPASSWORD), like every secret of a deployment.
    """
    values: dict[str, str] = {}
    password_left_out = False
    if database:
        parsed = make_url(database)
        password_left_out = parsed.password is not None
        values["sqlalchemy.url"] = parsed.set(password=None).render_as_string(hide_password=False)
    if var:
        values["govcore.var_dir"] = str(Path(var).resolve())
    if values:
        set_app_settings(ini, values)
    return values, password_left_out


def set_app_settings(ini: Path, values: dict[str, str]) -> None:
    """Set keys of the ini file's ``[app:main]`` section, keeping every other line and comment."""
    lines = ini.read_text(encoding="utf-8").splitlines(keepends=True)
    section, present = None, set()
    for line in lines:
        section = _section(line) or section
        if section == APP_SECTION and _key(line) in values:
            present.add(_key(line))
    result, section = [], None
    for line in lines:
        header = _section(line)
        if header:
            section = header
        elif section == APP_SECTION and _key(line) in values:
            line = f"{_key(line)} = {values[_key(line)]}\n"
        result.append(line)
        if header == APP_SECTION:
            result += [f"{key} = {value}\n" for key, value in values.items() if key not in present]
    ini.write_text("".join(result), encoding="utf-8")


def _section(line: str) -> str | None:
    stripped = line.strip()
    return stripped[1:-1].strip() if stripped.startswith("[") and stripped.endswith("]") else None


def _key(line: str) -> str | None:
    stripped = line.strip()
    if not stripped or stripped[0] in "#;" or "=" not in stripped:
        return None
    return stripped.split("=", 1)[0].strip()


def _zh(exc: BaseException) -> str:
    return getattr(exc, "message_zh", None) or str(exc)


def _en(exc: BaseException) -> str:
    return getattr(exc, "message_en", None) or str(exc)
