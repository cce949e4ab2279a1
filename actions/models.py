"""Action plans: what a council does about the weak factors an audit found, who does it and by
when, and, at the next audit of the same scope, what moved (CLEAR's steps 6 and 7).

An action is planned from an audit's suggested response and belongs to that audit's scope (the
council, or one service); it carries on across periods until it is done or dropped. Writes go
through ``actions.services``; what pages show is built in ``actions.selectors`` and
``actions.followup``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from audits.factors import Factor
from audits.models import Audit, Council, Intervention, Question, Service


class ActionStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    DROPPED = "dropped", "Dropped"


#: An action in one of these is closed: it leaves the plan that carries on.
CLOSED_STATUSES = (ActionStatus.DONE.value, ActionStatus.DROPPED.value)


class TrialComparison(models.TextChoices):
    NONE = "", "No comparison"
    BEFORE_AFTER = "before_after", "Before and after"
    AREAS = "areas", "Comparison areas"


class TrialDecision(models.TextChoices):
    UNDECIDED = "", "Not decided yet"
    SCALE_UP = "scale_up", "Scale up"
    ADAPT = "adapt", "Adapt"
    STOP = "stop", "Stop"


class ActionQuerySet(models.QuerySet):
    def open(self):
        return self.exclude(status__in=CLOSED_STATUSES)

    def overdue(self, today=None):
        return self.open().filter(due__lt=today or timezone.localdate())

    def of_scope(self, council_id: int, service_id: int | None):
        return self.filter(council_id=council_id, service_id=service_id)


class Action(models.Model):
    """One thing the council will do, aimed at some questions of the audit it was planned from."""

    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="actions")
    service = models.ForeignKey(
        Service,
        on_delete=models.PROTECT,
        related_name="actions",
        null=True,
        blank=True,
        help_text="Empty for the plan of the council as a whole.",
    )
    audit = models.ForeignKey(
        Audit, on_delete=models.PROTECT, related_name="actions", help_text="The audit whose suggestion it answers."
    )
    factor = models.CharField(max_length=20, choices=Factor.choices, help_text="The factor of the suggested response.")
    title = models.CharField(max_length=200)
    intervention = models.ForeignKey(
        Intervention,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        help_text="An intervention of the audit's question bank; empty for the council's own.",
    )
    own_intervention = models.CharField(
        "the council's own intervention", max_length=200, blank=True, help_text="When none of the bank's fits."
    )
    questions = models.ManyToManyField(Question, related_name="+", help_text="Questions of the audit's bank.")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="owned_actions",
        null=True,
        blank=True,
        help_text="A member of the council; empty when a partner organisation owns the action.",
    )
    partner = models.CharField("partner organisation", max_length=200, blank=True)
    partner_contact = models.CharField("partner's contact", max_length=200, blank=True)
    start = models.DateField()
    due = models.DateField()
    target = models.CharField(max_length=300, blank=True, help_text="e.g. RT4 from 2 to 3 at the next audit.")
    budget_note = models.TextField(blank=True)
    status = models.CharField(max_length=20, choices=ActionStatus.choices, default=ActionStatus.PLANNED)
    dropped_reason = models.TextField(blank=True)
    closed_at = models.DateTimeField(null=True, blank=True, help_text="When it was marked done or dropped.")

    # A trial: its hypothesis and how it will be judged are written before it starts.
    is_trial = models.BooleanField("run as a trial", default=False)
    hypothesis = models.TextField(blank=True)
    judged_by = models.TextField("how it will be judged", blank=True)
    comparison = models.CharField(max_length=20, choices=TrialComparison.choices, blank=True)
    comparison_detail = models.TextField(blank=True)
    outcome = models.TextField(blank=True)
    decision = models.CharField(max_length=20, choices=TrialDecision.choices, blank=True)

    version = models.PositiveIntegerField(default=1, help_text="Goes up with every save, to detect concurrent edits.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ActionQuerySet.as_manager()

    class Meta:
        ordering = ["due", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(due__gte=F("start")), name="action_due_not_before_start"),
            models.CheckConstraint(condition=Q(status__in=ActionStatus.values), name="action_status_valid"),
            models.CheckConstraint(condition=Q(factor__in=Factor.values), name="action_factor_valid"),
            models.CheckConstraint(
                condition=Q(owner__isnull=False, partner="") | Q(owner__isnull=True) & ~Q(partner=""),
                name="action_one_owner",
            ),
            models.CheckConstraint(
                condition=Q(intervention__isnull=False, own_intervention="")
                | Q(intervention__isnull=True) & ~Q(own_intervention=""),
                name="action_one_intervention",
            ),
            models.CheckConstraint(
                condition=~Q(status="dropped") | ~Q(dropped_reason=""), name="action_dropped_has_reason"
            ),
            models.CheckConstraint(
                condition=Q(is_trial=False) | (~Q(hypothesis="") & ~Q(judged_by="")), name="action_trial_has_hypothesis"
            ),
            models.CheckConstraint(condition=Q(comparison__in=TrialComparison.values), name="action_comparison_valid"),
            models.CheckConstraint(condition=Q(decision__in=TrialDecision.values), name="action_decision_valid"),
        ]
        indexes = [
            models.Index(fields=["council", "service", "status"], name="action_scope_status"),
            models.Index(fields=["owner", "status"], name="action_owner_status"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("actions:detail", args=[self.pk])

    @property
    def scope_label(self) -> str:
        return self.service.name if self.service_id else "Whole council"

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED_STATUSES

    @property
    def has_started(self) -> bool:
        """Under way, closed, or its start date reached: a trial's design is locked from here on."""
        return self.status != ActionStatus.PLANNED or self.start <= timezone.localdate()

    def is_overdue(self, today=None) -> bool:
        return not self.is_closed and self.due < (today or timezone.localdate())

    @property
    def owner_label(self) -> str:
        if self.owner_id:
            return self.owner.get_full_name() or self.owner.get_username()
        return f"{self.partner} (partner)" + (f", contact {self.partner_contact}" if self.partner_contact else "")

    @property
    def intervention_label(self) -> str:
        return self.intervention.title if self.intervention_id else f"{self.own_intervention} (the council's own)"


class ProgressNote(models.Model):
    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="notes")
    on = models.DateField(default=timezone.localdate, help_text="The day the progress was made.")
    text = models.TextField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-on", "-pk"]

    def __str__(self) -> str:
        return f"{self.action}: note of {self.on}"


class ActionEventKind(models.TextChoices):
    CREATED = "created", "Planned"
    CHANGED = "changed", "Changed"
    STATUS = "status", "Status changed"
    NOTE = "note", "Progress note"
    REMINDED = "reminded", "Reminder sent"


class ActionEvent(models.Model):
    """One entry of an action's history, written in the same transaction as the change."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True)
    kind = models.CharField(max_length=20, choices=ActionEventKind.choices)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=ActionEventKind.values), name="action_event_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.action}: {self.get_kind_display()} at {self.at:%Y-%m-%d %H:%M}"


class ReminderKind(models.TextChoices):
    DUE_SOON = "due_soon", "Due soon"
    OVERDUE = "overdue", "Overdue"


class Reminder(models.Model):
    """A reminder e-mail sent about an action: at most one of each kind per due date, so a
    second run of the reminders (or two at once) sends nothing twice; a new due date may
    bring new ones."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=20, choices=ReminderKind.choices)
    due = models.DateField(help_text="The action's due date when the reminder was sent.")
    to = models.EmailField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(fields=["action", "kind", "due"], name="reminder_once_per_kind_and_due"),
            models.CheckConstraint(condition=Q(kind__in=ReminderKind.values), name="reminder_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} reminder for {self.action} to {self.to}"
