"""govcore's pytest fixtures, for the core's tests and the example plugin's alike.

A plugin package gets the same fixtures with this one line in its own root ``conftest.py``. They
are loaded here rather than through a ``pytest11`` entry point, because pytest would then rewrite
the assertions of every module of the distribution, and Pyramid cannot read package resources
through pytest's import hook.
"""

pytest_plugins = ["adapters.testing.pytest_plugin"]
