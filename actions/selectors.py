"""What the action-plan pages read. Every list is read in a fixed number of queries, whatever
the number of actions (the questions of all the actions in one more)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from audits.factors import FACTOR_ORDER, Factor
from audits.models import Audit, Council
from audits.permissions import roles_of

from .models import CLOSED_STATUSES, Action, ActionEvent, ActionStatus, TrialComparison, TrialDecision


def with_details(actions: QuerySet[Action]) -> QuerySet[Action]:
    """Actions with their scope, owner and intervention."""
    return actions.select_related("owner", "intervention", "service", "audit__service")


#: What a table of actions shows (actions/partials/table.html): read alone, the rows are a
#: third of the width (the audit's and the owner's every column otherwise).
TABLE_FIELDS = (
    "council_id",
    "service__name",
    "audit_id",
    "factor",
    "title",
    "intervention__title",
    "own_intervention",
    "owner__username",
    "owner__first_name",
    "owner__last_name",
    "partner",
    "partner_contact",
    "start",
    "due",
    "target",
    "status",
    "is_trial",
)


def for_table(actions: QuerySet[Action]) -> QuerySet[Action]:
    return actions.select_related("owner", "intervention", "service").only(*TABLE_FIELDS)


def with_codes(rows: list[Action]) -> list[Action]:
    """Give each action ``codes``: its questions' codes in bank order (one query for all,
    rather than a prefetch, which builds a query set per action)."""
    codes: dict[int, list[str]] = {a.pk: [] for a in rows}
    if rows:
        through = Action.questions.through.objects.filter(action_id__in=list(codes))
        for action_id, code in through.order_by("question__order", "question__code").values_list(
            "action_id", "question__code"
        ):
            codes[action_id].append(code)
    for action in rows:
        action.codes = codes[action.pk]
    return rows


def listed(actions: QuerySet[Action]) -> list[Action]:
    """The actions with all their fields, their scope, owner and intervention, and ``codes``."""
    return with_codes(list(with_details(actions)))


def audit_plan(audit: Audit) -> list[Action]:
    """The plan an audit's page and report show: the actions planned from it (or another
    revision of the same period), and the scope's actions still open from earlier audits (a plan carries on until its actions are closed)."""
    scope = Action.objects.of_scope(audit.council_id, audit.service_id)
    if audit.status == "approved" and audit.approved_at:
        # An approved audit's report reads the same later: the actions open when it was approved.
        carried = Q(created_at__lte=audit.approved_at) & (
            Q(closed_at__isnull=True) | Q(closed_at__gt=audit.approved_at)
        )
    else:
        carried = Q(closed_at__isnull=True)
    # Planned from this period's audit, whichever revision: a reopened audit keeps its plan.
    earlier = Q(audit__period__lt=audit.period) & carried
    return listed(scope.filter(Q(audit__period=audit.period) | earlier).order_by("due", "pk"))


def council_actions(council: Council, *, service_id: int | str | None = "all", status: str = "") -> QuerySet[Action]:
    """A council's actions, of one scope (a service's id, None for the whole council) or all,
    by scope and due date."""
    actions = Action.objects.filter(council=council)
    if service_id != "all":
        actions = actions.filter(service_id=service_id)
    if status == "open":
        actions = actions.exclude(status__in=CLOSED_STATUSES)
    elif status in ActionStatus.values:
        actions = actions.filter(status=status)
    return actions.order_by("service__name", "due", "pk")


def my_actions(user) -> QuerySet[Action]:
    """The actions the user owns, in the councils they still belong to: open ones first, then
    by due date."""
    closed = Case(When(status__in=CLOSED_STATUSES, then=Value(1)), default=Value(0), output_field=IntegerField())
    actions = Action.objects.filter(owner=user, council_id__in=list(roles_of(user)))
    return actions.annotate(closed=closed).order_by("closed", "due", "pk")


#: How the history names an action's fields.
FIELD_LABELS = {
    "title": "Title",
    "intervention": "Intervention",
    "own_intervention": "Own intervention",
    "questions": "Questions",
    "owner": "Owner",
    "partner": "Partner",
    "partner_contact": "Partner's contact",
    "start": "Start",
    "due": "Due",
    "target": "Target",
    "budget_note": "Budget note",
    "status": "Status",
    "dropped_reason": "Dropped because",
    "is_trial": "Trial",
    "hypothesis": "Hypothesis",
    "judged_by": "Judged by",
    "comparison": "Comparison",
    "comparison_detail": "About the comparison",
    "outcome": "Outcome",
    "decision": "Decision",
    "on": "Date",
    "note": "Note",
    "reminder": "Reminder",
    "to": "To",
}
_CHOICES = {"status": ActionStatus, "comparison": TrialComparison, "decision": TrialDecision}


def _shown(name: str, value) -> str:
    if value in (None, "") or value is False:
        return "—"
    if value is True:
        return "Yes"
    if name in _CHOICES and value in _CHOICES[name].values:
        return str(_CHOICES[name](value).label)
    return str(value)


@dataclass(frozen=True)
class HistoryRow:
    event: ActionEvent
    changes: list[tuple[str, str, str]]  # label, before ("" when new), after


def action_history(action: Action) -> list[HistoryRow]:
    rows = []
    for event in ActionEvent.objects.filter(action=action).select_related("user"):
        names = [n for n in FIELD_LABELS if n in event.before or n in event.after]
        changes = [
            (FIELD_LABELS[n], _shown(n, event.before[n]) if n in event.before else "", _shown(n, event.after.get(n)))
            for n in names
        ]
        rows.append(HistoryRow(event, changes))
    return rows


@dataclass(frozen=True)
class FactorCounts:
    factor: str
    label: str
    planned: int
    in_progress: int
    done: int
    dropped: int

    @property
    def total(self) -> int:
        return self.planned + self.in_progress + self.done + self.dropped


@dataclass(frozen=True)
class PlanSummary:
    """A council's plan at a glance, for its dashboard."""

    by_status: dict[str, int]
    factors: list[FactorCounts]
    overdue: list[Action]
    overdue_total: int

    @property
    def total(self) -> int:
        return sum(self.by_status.values())

    @property
    def statuses(self) -> list[tuple[str, int]]:
        return [(label, self.by_status.get(value, 0)) for value, label in ActionStatus.choices]


#: The overdue actions the dashboard lists by name (the plan page has them all).
OVERDUE_SHOWN = 10


def plan_summary(council: Council, today=None, *, list_overdue: bool = True) -> PlanSummary:
    """Counts by status and by factor (one grouped query), and the overdue actions (two; one
    without ``list_overdue``)."""
    today = today or timezone.localdate()
    counts: Counter = Counter()
    by_factor: dict[str, Counter] = {f: Counter() for f in FACTOR_ORDER}
    for row in Action.objects.filter(council=council).values("factor", "status").annotate(n=Count("pk")).order_by():
        counts[row["status"]] += row["n"]
        by_factor[row["factor"]][row["status"]] += row["n"]
    overdue = Action.objects.filter(council=council).overdue(today)
    overdue_total = overdue.count() if counts else 0
    shown = []
    if overdue_total and list_overdue:
        shown = list(overdue.select_related("owner", "service").order_by("due", "pk")[:OVERDUE_SHOWN])
    factors = [
        FactorCounts(
            f,
            Factor(f).label,
            by_factor[f][ActionStatus.PLANNED],
            by_factor[f][ActionStatus.IN_PROGRESS],
            by_factor[f][ActionStatus.DONE],
            by_factor[f][ActionStatus.DROPPED],
        )
        for f in FACTOR_ORDER
    ]
    return PlanSummary(dict(counts), factors, shown, overdue_total)
