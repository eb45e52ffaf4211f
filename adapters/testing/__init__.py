"""Test support shipped with govcore, so that plugin authors test against the same fixtures."""
