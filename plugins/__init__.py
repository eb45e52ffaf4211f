"""The built-in plugins. Each is registered through the ``govcore.plugins`` entry-point group."""
