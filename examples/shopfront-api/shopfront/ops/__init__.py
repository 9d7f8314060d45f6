"""Operational scripts (backups, data resets) run from cron or by hand."""
