"""govcore: the framework-free core of the platform.

Plugins import the markers from here and never pluggy itself::

    from govcore import hookimpl

    @hookimpl
    def govcore_register_permissions():
        ...
"""

import pluggy

PROJECT = "govcore"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)

__all__ = ["PROJECT", "hookimpl", "hookspec"]
