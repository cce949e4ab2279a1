"""Queue again the e-mails that were written but never tried (a worker stopped in the middle of
a send, or a server stopped between a save and the queueing). Run it every hour (see the
README); an e-mail whose task still waits is left to it."""

from django.core.management.base import BaseCommand

from notifications import services


class Command(BaseCommand):
    help = "Queue again the e-mails written over an hour ago, never tried, and with no task waiting for them."

    def handle(self, *args, **options):
        lost = services.requeue_lost()
        for email in lost:
            self.stdout.write(
                f"Queued again: e-mail {email.pk} to {email.to} ({email.subject}), written {email.created_at:%Y-%m-%d %H:%M}"
            )
        self.stdout.write(f"{len(lost)} e-mail{'s' if len(lost) != 1 else ''} queued again.")
