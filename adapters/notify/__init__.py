"""Notification channels: the in-app inbox (a repository) and e-mail."""
