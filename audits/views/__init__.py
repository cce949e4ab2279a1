"""Audit pages: ``pages`` (the list, the audit, its steps, reports, dashboard) and
``workflow`` (submit, withdraw, review, reopen, delete, who leads)."""
