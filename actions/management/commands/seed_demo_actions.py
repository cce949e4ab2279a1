"""Add action plans to the demo (run after seed_demo; ``make demo`` does).

For every scope of a demo council whose audit of the previous period is approved, the demo plans
up to three actions from that audit's suggested responses, dated as if planned a week after its
approval: one done, one in progress and due within the next fortnight (its owner gets a
reminder), one a trial that is overdue, or, for the council as a whole, a finished trial with its
outcome and decision; one scope has a partner's action and one a dropped action. The current
period's audits then show what the plan changed. Safe to run again: a scope with actions is left
as it is.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from actions import services
from actions.models import Action, ActionEvent, ActionStatus, ProgressNote, TrialComparison, TrialDecision
from actions.permissions import owner_choices
from audits import question_bank
from audits.models import Audit, AuditStatus, Council, Role
from audits.selectors import audit_profile

#: The period whose approved audits the demo plans from (the one before the current period).
PLANNED_FROM = "2025/26"

PARTNER = ("Menter Môn", "Gwen Parry, gwen.parry@example.org")


class Command(BaseCommand):
    help = "Add demo action plans (after seed_demo; idempotent)."

    def handle(self, *args, **options):
        if not (settings.DEMO or settings.DEBUG or settings.DEVTOOLS):
            raise CommandError("Demo data only. Run it with CLEARAUDIT_DEMO=1 (make demo).")
        made = 0
        with transaction.atomic():
            for council in Council.objects.filter(audits__isnull=False).distinct().order_by("name"):
                people = list(owner_choices(council.pk).prefetch_related("memberships"))
                audits = Audit.objects.approved().filter(council=council, period=PLANNED_FROM)
                for index, audit in enumerate(audits.select_related("council", "framework", "service").order_by("pk")):
                    if Action.objects.filter(council=council, service=audit.service).exists():
                        continue
                    made += self._plan(audit, index, people)
                made += self._planned_now(council, people)
        self.stdout.write(self.style.SUCCESS(f"Demo action plans ready ({made} actions planned)."))

    def _plan(self, audit: Audit, index: int, people) -> int:
        suggestions = audit_profile(audit).suggestions[:3]
        planned_at = audit.approved_at + timedelta(days=7)
        today = timezone.localdate()
        officer = next((u for u in people if _role(u, audit.council_id) == Role.OFFICER), people[0])
        manager = next((u for u in people if _role(u, audit.council_id) == Role.MANAGER), people[0])
        made = 0
        for k, item in enumerate(suggestions):
            factor = item.suggestion.factor
            aimed = item.aimed[0].intervention if item.aimed else None
            weak = {a.code for a in item.suggestion.reasons}
            questions = [q for q in question_bank.factor_questions(audit.framework_id, factor) if q.code in weak][:3]
            if not questions:
                continue
            start = timezone.localdate(planned_at)
            trial = k == 2 or (k == 1 and audit.service_id is None)
            partner = k == 1 and index == 1
            data = services.ActionData(
                title=aimed.title if aimed else f"Own response on {item.title.lower()}",
                start=start,
                due=[start + timedelta(days=120), today + timedelta(days=10), today - timedelta(days=20)][k],
                questions=questions,
                intervention=aimed,
                own_intervention="" if aimed else "A council-designed response",
                owner=None if partner else [officer, manager, officer][k],
                partner=PARTNER[0] if partner else "",
                partner_contact=PARTNER[1] if partner else "",
                target=", ".join(f"{q.code} up a level" for q in questions) + " at the next audit",
                budget_note="Within the engagement team's budget." if k == 0 else "",
                is_trial=trial,
                hypothesis="Inviting people in person, in the places they already go, brings more first-time "
                "participants than the usual notices."
                if trial
                else "",
                judged_by="First-time participants counted at each session, against the same months last year."
                if trial
                else "",
                comparison=TrialComparison.BEFORE_AFTER if trial else TrialComparison.NONE,
                comparison_detail="The same three wards, the year before." if trial else "",
            )
            action = services.action_create(audit=audit, user=manager, factor=factor, data=data)
            made += 1
            status = self._progress(action, k, audit, manager, planned_at, index)
            closed = (
                timezone.now() - timedelta(days=60) if status in (ActionStatus.DONE, ActionStatus.DROPPED) else None
            )
            Action.objects.filter(pk=action.pk).update(created_at=planned_at, updated_at=planned_at, closed_at=closed)
            ActionEvent.objects.filter(action=action, kind="created").update(at=planned_at)
            ActionEvent.objects.filter(action=action).exclude(kind="created").update(
                at=closed or planned_at + timedelta(days=30)
            )
        return made

    def _planned_now(self, council, people) -> int:
        """One action just planned from a submitted audit of the current period."""
        audit = Audit.objects.filter(council=council, status=AuditStatus.SUBMITTED).select_related("framework").first()
        if audit is None or Action.objects.filter(audit=audit).exists():
            return 0
        suggestions = audit_profile(audit).suggestions
        if not suggestions:
            return 0
        item = suggestions[0]
        weak = {a.code for a in item.suggestion.reasons}
        questions = [
            q for q in question_bank.factor_questions(audit.framework_id, item.suggestion.factor) if q.code in weak
        ]
        aimed = item.aimed[0].intervention if item.aimed else None
        today = timezone.localdate()
        services.action_create(
            audit=audit,
            user=people[0],
            factor=item.suggestion.factor,
            data=services.ActionData(
                title=aimed.title if aimed else f"Own response on {item.title.lower()}",
                start=today + timedelta(days=30),
                due=today + timedelta(days=150),
                questions=questions[:2],
                intervention=aimed,
                own_intervention="" if aimed else "A council-designed response",
                owner=people[0],
                target=", ".join(f"{q.code} up a level" for q in questions[:2]) + " at the next audit",
            ),
        )
        return 1

    def _progress(self, action: Action, k: int, audit, user, planned_at, index: int) -> str:
        """Move the action on as the demo wants it, with a note of progress."""
        status, reason, outcome, decision = ActionStatus.IN_PROGRESS, "", "", ""
        if k == 0:
            status = ActionStatus.DROPPED if index == 2 else ActionStatus.DONE
            reason = "The partner's funding ended; folded into the libraries' outreach instead." if index == 2 else ""
        elif action.is_trial and audit.service_id is None:
            status, decision = ActionStatus.DONE, TrialDecision.SCALE_UP
            outcome = "First-time participants rose from 14 to 41 over the same three months; kept for all wards."
        services.action_set_status(
            action=action,
            user=user,
            data=services.StatusData(status=status, dropped_reason=reason, outcome=outcome, decision=decision),
            expected_version=action.version,
        )
        note_on = timezone.localdate(planned_at) + timedelta(days=30)
        ProgressNote.objects.create(
            action=action, on=note_on, text="Kick-off meeting held; partners agreed the first sessions.", author=user
        )
        return status


def _role(user, council_id: int) -> str:
    return next((m.role for m in user.memberships.all() if m.council_id == council_id), "")
