"""Integrity seals on final records, chained by hash like the audit trail."""
