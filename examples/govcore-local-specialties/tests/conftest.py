"""Point govcore's pytest fixtures at this package's deployment.

govcore installs its fixtures through the ``pytest11`` entry point, so ``testapp``, ``make_user``,
``login``, ``platform`` and ``dbsession`` are available without importing anything. They build one
site per test session from ``govcore_deployment``: overriding it here gives them a county that
enables this plugin. pytest caches session fixtures by name, so run these tests in a session of
their own rather than together with tests written for another deployment.
"""

from pathlib import Path

import pytest

DEPLOYMENT = Path(__file__).resolve().parents[1] / "deployment"


@pytest.fixture(scope="session")
def govcore_deployment() -> Path:
    return DEPLOYMENT
