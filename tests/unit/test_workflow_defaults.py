"""Every procedure the built-in plugins ship is valid against the roles the county would have."""

import pytest

from govcore.plugins import build_plugins
from govcore.workflow.definition import from_data, to_data, validate
from tests.expected import BUILTIN_PLUGINS


@pytest.fixture(scope="module")
def plugins():
    return build_plugins(BUILTIN_PLUGINS)


def test_the_builtin_plugins_ship_default_procedures(plugins):
    assert {"content.article_review", "officework.document_approval", "participation.leader_letter",
            "village.major_matter", "village.low_income_review"} <= set(plugins.workflows)


@pytest.mark.parametrize("key", ["content.article_review", "officework.document_approval",
                                 "participation.leader_letter", "village.major_matter", "village.low_income_review"])
def test_a_default_procedure_is_valid_and_survives_export(plugins, key):
    definition = plugins.workflows[key]
    assert [problem.text() for problem in validate(definition, plugins.roles)] == []
    assert from_data(to_data(definition)) == definition
