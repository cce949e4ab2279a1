"""E-mail the owners of actions due within 14 days or overdue. Run it once a day from cron
(see the README); running it more often, or on two machines at once, sends nothing twice."""

from django.core.management.base import BaseCommand

from actions import services
from clearaudit.commands import TODAY_HELP, today_option


class Command(BaseCommand):
    help = "E-mail the owners of actions due within 14 days or overdue (once per action, kind and due date)."

    def add_arguments(self, parser):
        parser.add_argument("--today", help=TODAY_HELP)

    def handle(self, *args, today=None, **options):
        today = today_option(today)
        result = services.send_reminders(today=today)
        for reminder in result.sent:
            self.stdout.write(f"Sent to {reminder.to}: “{reminder.action}” ({reminder.get_kind_display().lower()})")
        for action in result.skipped_no_address:
            self.stderr.write(
                f"Not sent: neither the owner of “{action}” (action {action.pk}) nor its planner is an officer or "
                "manager of the council with an e-mail address; give the action a new owner."
            )
        for action in result.failed:
            self.stderr.write(f"Failed: the e-mail about “{action}” (action {action.pk}); the next run tries again.")
        self.stdout.write(f"{len(result.sent)} reminder{'s' if len(result.sent) != 1 else ''} sent.")
