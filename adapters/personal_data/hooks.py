"""Personal data: permissions, the retention job, the citizens' requests."""
