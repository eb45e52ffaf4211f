"""The ``govcore`` command line."""
