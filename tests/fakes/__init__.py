"""In-memory fakes of the ports, for unit tests of the core and of plugin services."""
