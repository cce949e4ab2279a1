"""Demo comments on answers (after seed_demo): on each council's returned audit, the manager
asks the officer about RT3 by name; on its audit waiting for review, an open question on CD2
that the officer has answered and the manager has still to resolve. Idempotent. The e-mails
they cause print on the demo's console, sent by its task worker."""

from django.core.management.base import BaseCommand
from django.db import transaction

from audits.models import Audit, AuditStatus, Membership, Role
from discussions import services
from discussions.models import Thread


class Command(BaseCommand):
    help = "Add demo comments on answers (idempotent)."

    def handle(self, *args, **options):
        added = 0
        with transaction.atomic():
            for status, code, asks, reply in (
                (
                    AuditStatus.RETURNED,
                    "RT3",
                    "Which committee reports did you sample for RT3? The note says 6 of 10, but not which ones.",
                    None,
                ),
                (
                    AuditStatus.SUBMITTED,
                    "CD2",
                    "Is the digital skills figure for the whole county or for the pilot wards only?",
                    "The pilot wards only: the county-wide survey is next spring. I have said so in the note.",
                ),
            ):
                for audit in Audit.objects.filter(status=status, superseded_at=None).select_related("council"):
                    question = audit.framework.questions.filter(code=code).first()
                    if question is None or Thread.objects.filter(audit=audit, question=question).exists():
                        continue
                    manager = self._member(audit, Role.MANAGER)
                    officer = audit.lead or self._member(audit, Role.OFFICER)
                    if manager is None or officer is None:
                        continue
                    services.comment_post(audit=audit, question=question, user=manager, body=asks, to=officer)
                    if reply:
                        services.comment_post(audit=audit, question=question, user=officer, body=reply)
                    added += 1
        self.stdout.write(self.style.SUCCESS(f"Demo comments ready ({added} threads added)."))

    @staticmethod
    def _member(audit, role):
        membership = Membership.objects.filter(council_id=audit.council_id, role=role).select_related("user").first()
        return membership.user if membership else None
