"""E-mail each manager the audits waiting for their review longer than REVIEW_DIGEST_DAYS
(7 by default). Run it once a day (see the README); running it again the same day, or on two
machines, sends nothing twice. The e-mails go through the task queue's worker."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from notifications import services


class Command(BaseCommand):
    help = "E-mail each manager the audits waiting for review for more than REVIEW_DIGEST_DAYS days (once a day)."

    def add_arguments(self, parser):
        parser.add_argument("--today", help="Act as if today were this date (YYYY-MM-DD), e.g. to check a setup.")

    def handle(self, *args, today=None, **options):
        if today:
            try:
                today = date.fromisoformat(today)
            except ValueError:
                raise CommandError(f"--today takes a date as YYYY-MM-DD, not {today!r}.") from None
        written = services.review_digest(today=today)
        for email in written:
            self.stdout.write(f"Digest written to {email.to}: {email.subject}")
        self.stdout.write(f"{len(written)} digest{'s' if len(written) != 1 else ''} queued for the worker to send.")
