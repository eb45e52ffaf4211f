"""Finding, enabling and asking the plugins.

Built-in and third-party plugins alike are found through the ``govcore.plugins`` entry-point group.
Only the plugins a county enables are imported and registered; the others contribute nothing.
The manager is built by the composition root, never at import time.
"""

from __future__ import annotations

import functools
import logging
import os
import sys
from dataclasses import dataclass, replace
from importlib import metadata
from typing import Any, Callable, Iterable, Sequence

import pluggy

from govcore import PROJECT, core_plugin, hookspecs
from govcore.contributions import (
    ApiSpecFragment,
    ContentType,
    DashboardWidget,
    MenuEntry,
    Permission,
    PortalBlock,
    RoleTemplate,
)
from govcore.errors import ConfigurationError

ENTRY_POINT_GROUP = "govcore.plugins"
CORE_PLUGIN = "core"  # the core's own contributions, always registered first
TRACE_ENV = "GOVCORE_TRACE_HOOKS"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PluginInfo:
    name: str
    module: str
    title: str
    description: str
    distribution: str
    version: str
    enabled: bool


def installed_plugins() -> dict[str, metadata.EntryPoint]:
    """Every plugin installed in this Python environment, by name."""
    return {ep.name: ep for ep in metadata.entry_points(group=ENTRY_POINT_GROUP)}


def describe_plugins(enabled: Sequence[str]) -> list[PluginInfo]:
    """What ``govcore plugins list`` shows: each installed plugin and whether it is enabled."""
    infos = []
    for name, entry_point in sorted(installed_plugins().items()):
        module = entry_point.load()
        doc = (module.__doc__ or "").strip().splitlines() or [""]
        dist = entry_point.dist
        infos.append(
            PluginInfo(
                name=name,
                module=entry_point.value,
                title=doc[0],
                description="\n".join(doc[1:]).strip(),
                distribution=dist.name if dist else "",
                version=dist.version if dist else "",
                enabled=name in enabled,
            )
        )
    return infos


def unique_by_name(contributions: Iterable[tuple[str, Any]], name_of: Callable[[Any], str],
                   what_zh: str, what_en: str) -> dict:
    """``(plugin, item)`` pairs by the item's name; a name two plugins declare is a configuration error."""
    merged: dict = {}
    owners: dict[str, str] = {}
    for plugin, item in contributions:
        name = name_of(item)
        if name in merged:
            raise ConfigurationError(
                f"{what_zh} {name} 被插件 {owners[name]} 和 {plugin} 重复声明",
                f"{what_en} {name} declared by both {owners[name]} and {plugin}",
            )
        merged[name], owners[name] = item, plugin
    return merged


class Plugins:
    """The enabled plugins of one deployment, and what they contribute, merged once."""

    def __init__(self, manager: pluggy.PluginManager, enabled: Sequence[str]):
        self.manager = manager
        self.enabled = tuple(enabled)

    @property
    def hook(self):
        return self.manager.hook

    def each(self, hook_name: str, **kwargs: Any) -> list[tuple[str, Any]]:
        """Call one hook on every plugin separately, in registration order (the core first, then the
        plugins in the order county.toml enables them), keeping who answered what (None left out)."""
        caller = getattr(self.manager.hook, hook_name)
        results = []
        for impl in caller.get_hookimpls():
            result = impl.function(**{arg: kwargs[arg] for arg in impl.argnames})
            if result is not None:
                results.append((impl.plugin_name, result))
        return results

    def _flat(self, hook_name: str) -> list[tuple[str, Any]]:
        return [(name, item) for name, items in self.each(hook_name) for item in items]

    def _unique(self, hook_name: str, name_of, what_zh: str, what_en: str) -> dict:
        """The hook's contributions by name; a name two plugins declare is a configuration error."""
        return unique_by_name(self._flat(hook_name), name_of, what_zh, what_en)

    @functools.cached_property
    def permissions(self) -> dict[str, Permission]:
        return self._unique("govcore_register_permissions", lambda p: p.name, "权限", "permission")

    @functools.cached_property
    def roles(self) -> dict[str, RoleTemplate]:
        merged: dict[str, RoleTemplate] = {}
        for _plugin, role in self._flat("govcore_register_roles"):
            if role.name in merged:
                known = merged[role.name]
                extra = tuple(p for p in role.permissions if p not in known.permissions)
                merged[role.name] = replace(known, permissions=known.permissions + extra)
            else:
                merged[role.name] = role
        return merged

    @functools.cached_property
    def groups(self) -> dict:
        merged = {}
        for _plugin, group in self._flat("govcore_register_groups"):
            known = merged.get(group.name)
            if known is None:
                merged[group.name] = group
            else:
                extra = tuple(p for p in group.permissions if p not in known.permissions)
                merged[group.name] = replace(known, permissions=known.permissions + extra)
        return merged

    @functools.cached_property
    def scope_types(self) -> dict:
        return {scope.name: scope for _plugin, scope in self._flat("govcore_register_scope_types")}

    @functools.cached_property
    def content_types(self) -> dict[str, ContentType]:
        return {ct.name: ct for _plugin, ct in self._flat("govcore_register_content_types")}

    @functools.cached_property
    def workflows(self) -> dict:
        """Default workflow definitions by key."""
        return self._unique("govcore_register_workflows", lambda d: d.key, "流程", "workflow")

    @functools.cached_property
    def jobs(self) -> list:
        return [job for _plugin, job in self._flat("govcore_register_jobs")]

    @functools.cached_property
    def migration_locations(self) -> list[tuple[str, str]]:
        """(plugin, directory) pairs, in the order the county enables the plugins."""
        found = self._flat("govcore_migration_locations")
        return sorted(found, key=lambda pair: self.enabled.index(pair[0]) if pair[0] in self.enabled else -1)

    @functools.cached_property
    def menu(self) -> list[MenuEntry]:
        return sorted((e for _p, e in self._flat("govcore_admin_menu")), key=lambda e: (e.order, e.title))

    @functools.cached_property
    def portal_blocks(self) -> list[PortalBlock]:
        return sorted((b for _p, b in self._flat("govcore_register_portal_blocks")), key=lambda b: b.order)

    @functools.cached_property
    def dashboard_widgets(self) -> list[DashboardWidget]:
        return sorted((w for _p, w in self._flat("govcore_dashboard_widgets")), key=lambda w: w.order)

    @functools.cached_property
    def api_fragments(self) -> list[ApiSpecFragment]:
        return [fragment for _p, fragment in self.each("govcore_register_api")]


def build_plugins(enabled: Sequence[str], extra: Iterable[tuple[str, object]] = ()) -> Plugins:
    """Register the enabled plugins (and ``extra`` (name, plugin) pairs, for tests) and check them.

    Raises :class:`ConfigurationError` naming a plugin that is enabled but not installed, and
    fails on a hook implementation that matches no specification (a typo in a hook name).
    """
    manager = pluggy.PluginManager(PROJECT)
    manager.add_hookspecs(hookspecs)
    manager.register(core_plugin, name=CORE_PLUGIN)
    available = installed_plugins()
    extra = list(extra)
    extra_names = {name for name, _ in extra}
    missing = [name for name in enabled if name not in available and name not in extra_names]
    if missing:
        names = ", ".join(missing)
        raise ConfigurationError(
            f"county.toml 启用了未安装的插件：{names}",
            f"county.toml enables plugins that are not installed: {names}",
        )
    for name in enabled:
        if name not in extra_names:
            manager.register(available[name].load(), name=name)
    for name, plugin in extra:
        manager.register(plugin, name=name)
    try:
        manager.check_pending()
    except pluggy.PluginValidationError as exc:
        raise ConfigurationError(f"插件实现了不存在的钩子：{exc}", f"a plugin implements an unknown hook: {exc}") from exc
    if os.environ.get(TRACE_ENV):
        manager.trace.root.setwriter(sys.stderr.write)
        manager.enable_tracing()
    return Plugins(manager, list(enabled) + [n for n in extra_names if n not in enabled])
