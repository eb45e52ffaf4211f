"""The plugin manager: entry points, enabling, merging contributions, catching typos."""

import inspect

import pytest

from govcore import hookimpl, hookspecs
from govcore.contributions import MenuEntry, Permission, RoleTemplate
from govcore.errors import ConfigurationError
from govcore.plugins import build_plugins, describe_plugins, installed_plugins
from tests.expected import BUILTIN_PLUGINS



class Throwaway:
    @hookimpl
    def govcore_register_permissions(self):
        return [Permission("throwaway.use", "试用")]

    @hookimpl
    def govcore_register_roles(self):
        return [RoleTemplate("system_admin", "系统管理员", ("throwaway.use",))]

    @hookimpl
    def govcore_admin_menu(self):
        return [MenuEntry("试用", "throwaway.page", "throwaway.use", order=1)]


def test_builtin_plugins_are_registered_through_the_entry_point_group():
    assert set(BUILTIN_PLUGINS) <= set(installed_plugins())


def test_only_enabled_plugins_are_registered():
    plugins = build_plugins(["content"])
    names = {name for name, _ in plugins.manager.list_name_plugin()}
    assert names == {"core", "content"}
    assert "content.columns.view" in plugins.permissions
    assert not any(p.startswith("officework.") for p in plugins.permissions)


def test_enabling_an_uninstalled_plugin_is_a_bilingual_error():
    with pytest.raises(ConfigurationError) as info:
        build_plugins(["content", "no_such_plugin"])
    assert "未安装" in info.value.message_zh and "not installed" in info.value.message_en


def test_a_typo_in_a_hook_name_is_caught():
    class Typo:
        @hookimpl
        def govcore_register_permisions(self):
            return []

    with pytest.raises(ConfigurationError, match="不存在的钩子"):
        build_plugins([], extra=[("typo", Typo())])


def test_duplicate_permissions_name_both_plugins():
    class Again:
        @hookimpl
        def govcore_register_permissions(self):
            return [Permission("content.columns.view", "重复")]

    plugins = build_plugins(["content"], extra=[("again", Again())])
    with pytest.raises(ConfigurationError, match="content 和 again"):
        plugins.permissions


def test_a_workflow_key_declared_twice_names_both_plugins():
    from govcore.workflow.definition import ACTOR_APPLICANT, Actor, Definition, Step

    class Copycat:
        @hookimpl
        def govcore_register_workflows(self):
            return [Definition("content.article_review", "抄来的流程", (Step("s1", "审核", actors=(Actor(ACTOR_APPLICANT),)),))]

    plugins = build_plugins(["content"], extra=[("copycat", Copycat())])
    with pytest.raises(ConfigurationError) as caught:
        plugins.workflows
    assert "content" in caught.value.message_zh and "copycat" in caught.value.message_zh


def test_roles_proposed_by_several_plugins_are_merged():
    plugins = build_plugins(["content"], extra=[("throwaway", Throwaway())])
    role = plugins.roles["system_admin"]
    assert "admin.access" in role.permissions and "throwaway.use" in role.permissions
    assert "content.columns.view" in role.permissions
    assert plugins.menu[0].title == "试用"


def test_describe_plugins_reports_state_and_distribution():
    infos = {info.name: info for info in describe_plugins(["content"])}
    assert infos["content"].enabled and not infos["village"].enabled
    assert infos["content"].distribution == "govcore"
    assert infos["village"].title.startswith("村务十项")


def test_every_hook_is_documented_and_prefixed():
    specs = [(name, fn) for name, fn in inspect.getmembers(hookspecs, inspect.isfunction)
             if hasattr(fn, "govcore_spec")]
    assert len(specs) >= 14
    for name, fn in specs:
        assert name.startswith("govcore_"), name
        assert fn.__doc__ and len(fn.__doc__.strip()) > 40, f"{name} lacks documentation"


def test_every_hook_is_implemented_by_a_shipped_plugin_or_exercised_here():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    sources = "".join(p.read_text(encoding="utf-8") for folder in ("plugins", "examples", "govcore", "adapters", "tests")
                      for p in (root / folder).rglob("*.py") if p.name != "hookspecs.py")
    for name, fn in inspect.getmembers(hookspecs, inspect.isfunction):
        if hasattr(fn, "govcore_spec"):
            assert f"def {name}(" in sources, f"no implementation of {name} anywhere"
