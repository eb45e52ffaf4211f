"""Backups: the daily job and the dashboard's backup status."""
