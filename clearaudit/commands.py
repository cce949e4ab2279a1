"""What the app's scheduled commands share."""

from __future__ import annotations

from datetime import date

from django.core.management.base import CommandError

TODAY_HELP = "Act as if today were this date (YYYY-MM-DD), e.g. to check a setup."


def today_option(value: str | date | None) -> date | None:
    """A command's ``--today``: the date it names, or None for the real today."""
    if not value or isinstance(value, date):
        return value or None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--today takes a date as YYYY-MM-DD, not {value!r}.") from None
