"""What action plans add to the audit's page, its step pages, its PDF report and the dashboard,
through ``audits.extensions`` (audits does not import this app)."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Count, Max
from django.utils import timezone

from audits import extensions, question_bank
from audits.extensions import Panel
from audits.factors import FACTOR_SLUGS
from audits.models import Audit
from audits.selectors import audits_stamp

from . import selectors
from .followup import Followup, followup
from .models import Action
from .permissions import may_plan
from .services import PLANNABLE_AUDITS

#: How long the step page's notes stay in the cache (their key changes with what they show).
NOTES_SECONDS = 3600


def _followup(audit: Audit) -> Followup | None:
    """Kept on the audit object: its page asks for the panel and, per step, the notes."""
    if not hasattr(audit, "_actions_followup"):
        audit._actions_followup = followup(audit)
    return audit._actions_followup


def _plan(audit: Audit) -> list[Action]:
    if not hasattr(audit, "_actions_plan"):
        has = Action.objects.of_scope(audit.council_id, audit.service_id).exists()
        audit._actions_plan = selectors.audit_plan(audit) if has else []
    return audit._actions_plan


@dataclass(frozen=True)
class AuditPlan:
    audit: Audit
    actions: list[Action]
    followup: Followup | None
    may_plan: bool
    today: object

    @property
    def plannable(self) -> bool:
        return self.audit.status in PLANNABLE_AUDITS

    @property
    def overdue(self) -> int:
        return sum(a.is_overdue(self.today) for a in self.actions)


def audit_panel(request, audit: Audit) -> Panel:
    return Panel(
        "actions/audit_panel.html",
        AuditPlan(
            audit, _plan(audit), _followup(audit), may_plan(request.user, audit.council_id), timezone.localdate()
        ),
    )


@dataclass(frozen=True)
class SuggestionActions:
    audit: Audit
    factor_slug: str
    actions: list[Action]
    may_plan: bool


def suggestion_panel(request, audit: Audit, item) -> Panel | None:
    factor = item.suggestion.factor
    # Planned from this audit or another revision of the same period (a reopened audit's plan is its own).
    planned = [a for a in _plan(audit) if a.audit.period == audit.period and a.factor == factor]
    can = may_plan(request.user, audit.council_id) and audit.status in PLANNABLE_AUDITS
    if not planned and not can:
        return None
    return Panel("actions/suggestion_panel.html", SuggestionActions(audit, FACTOR_SLUGS[factor], planned, can))


def _notes_key(audit: Audit) -> str | None:
    """None when no action of the scope precedes this audit (one query, for most audits);
    otherwise a cache key that changes with the audit's answers (its version), with any of the
    scope's actions, and with any of the scope's audits (which one is the previous, and the
    ratings when the actions were planned): one more query."""
    earlier = Action.objects.of_scope(audit.council_id, audit.service_id).filter(audit__period__lt=audit.period)
    row = earlier.order_by().aggregate(n=Count("pk"), at=Max("updated_at"))
    if not row["n"]:
        return None
    audits = audits_stamp(Audit.objects.filter(council_id=audit.council_id, service_id=audit.service_id))
    return f"actions-notes:{audit.pk}:{audit.version}:{row['n']}.{row['at'].timestamp()}:{audits}"


def question_notes(audit: Audit, factor: str) -> dict[str, Panel]:
    """The step page's notes, kept in the cache: the step is the page officers open most."""
    key = _notes_key(audit)
    if key is None:
        return {}
    by_code = cache.get(key)
    if by_code is None:
        found = _followup(audit)
        by_code = found.by_code() if found else {}
        cache.set(key, by_code, NOTES_SECONDS)
    codes = {q.code for q in question_bank.factor_questions(audit.framework_id, factor)}
    return {code: Panel("actions/question_note.html", rows) for code, rows in by_code.items() if code in codes}


def report_followup(audit: Audit) -> Panel | None:
    found = _followup(audit)
    if found is None:
        return None
    return Panel("actions/report_followup.html", found, "What the last plan changed", "followup")


@dataclass(frozen=True)
class ReportPlan:
    audit: Audit
    actions: list[Action]
    today: object


def report_plan(audit: Audit) -> Panel | None:
    actions = _plan(audit)
    if not actions:
        return None
    # Statuses are today's, and so is "overdue", as on the audit's page; the report says so.
    return Panel(
        "actions/report_plan.html", ReportPlan(audit, actions, timezone.localdate()), "Action plan", "action-plan"
    )


def dashboard_panel(council, audit_ids) -> Panel:
    summary = selectors.plan_summary(council)
    return Panel("actions/dashboard_panel.html", summary, csv_rows=tuple(_csv_rows(summary)))


def dashboard_stamp(council) -> str:
    """The council's actions as of today (an open action becomes overdue at midnight)."""
    row = Action.objects.filter(council=council).aggregate(n=Count("pk"), at=Max("updated_at"))
    at = row["at"].timestamp() if row["at"] else 0
    return f"a{row['n']}-{at}-{timezone.localdate():%Y%m%d}"


def keep_the_plan(council) -> list[str]:
    """An import may not delete the audits a plan was made from: the file does not carry plans."""
    n = Action.objects.filter(council=council).count()
    if not n:
        return []
    return [
        f"{council} has {n} action{'s' if n != 1 else ''} in its action plans, planned from the audits that "
        "--replace would delete, and the file does not carry them. Download the plan (CSV) to keep a copy, delete "
        "the actions in the admin (Action plans), then import again; or import the file as a new council."
    ]


def _csv_rows(summary: selectors.PlanSummary) -> list[list[str]]:
    rows = [["action plan", "all scopes", "", "", str(n), label] for label, n in summary.statuses]
    rows.append(["action plan", "all scopes", "", "", str(summary.overdue_total), "overdue"])
    rows += [
        [
            "action plan",
            "all scopes",
            "",
            f.label,
            str(f.in_progress),
            f"in progress; {f.planned} planned, {f.done} done, {f.dropped} dropped",
        ]
        for f in summary.factors
    ]
    return rows


def register() -> None:
    extensions.register(
        audit_panel=audit_panel,
        report_section=report_followup,
        dashboard_panel=dashboard_panel,
        suggestion_panel=suggestion_panel,
        question_notes=question_notes,
        # The key holds everything the notes show: the step page rebuilds its questions when it changes.
        question_notes_stamp=lambda request, audit: _notes_key(audit) or "-",
        dashboard_stamp=dashboard_stamp,
        replace_check=keep_the_plan,
    )
    extensions.register(report_section=report_plan)
