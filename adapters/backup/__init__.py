"""Backup and restore of a deployment: database, blobs and settings, with a manifest."""
