"""Point govcore's pytest fixtures at this package's deployment.

govcore's fixtures (``testapp``, ``make_user``, ``login``, ``platform``, ``dbsession``) come from the
pytest plugin ``adapters.testing.pytest_plugin``, loaded by this package's ``pytest.ini``. They build a
site for ``govcore_deployment`` (once per run and database kind); overriding it here gives the
tests below a county that enables this plugin, even when they run together with other suites.
"""

from pathlib import Path

import pytest

DEPLOYMENT = Path(__file__).resolve().parents[1] / "deployment"


@pytest.fixture(scope="session")
def govcore_deployment() -> Path:
    return DEPLOYMENT
