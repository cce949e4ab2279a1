"""E-mail each manager the audits waiting for their review longer than REVIEW_DIGEST_DAYS
(7 by default). Run it once a day (see the README); running it again the same day, or on two
machines, sends nothing twice. The e-mails go through the task queue's worker."""

from django.core.management.base import BaseCommand

from clearaudit.commands import TODAY_HELP, today_option
from notifications import services


class Command(BaseCommand):
    help = "E-mail each manager the audits waiting for review for more than REVIEW_DIGEST_DAYS days (once a day)."

    def add_arguments(self, parser):
        parser.add_argument("--today", help=TODAY_HELP)

    def handle(self, *args, today=None, **options):
        today = today_option(today)
        written = services.review_digest(today=today)
        for email in written:
            self.stdout.write(f"Digest written to {email.to}: {email.subject}")
        self.stdout.write(f"{len(written)} digest{'s' if len(written) != 1 else ''} queued for the worker to send.")
