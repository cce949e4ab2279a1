"""The CLEAR audit domain: councils, the question bank, audits, answers and scores.

Writes go through ``audits.services``; reads that depend on who is asking go through
``audits.permissions``. Rules that can live in the database do (see each Meta).
"""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from .factors import FACTOR_ORDER, FACTOR_SLUGS, Factor
from .scoring import EvidenceStrength, cites_evidence


class Council(models.Model):
    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=200, unique=True)
    benchmark_opt_in = models.BooleanField(
        "share anonymised scores for benchmarking",
        default=False,
        help_text="Adds this council's factor scores, without its name, to the spread shown to councils that opted in.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Service(models.Model):
    """One service of a council (planning, housing, parks…) that can be audited on its own."""

    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="services")
    name = models.CharField(max_length=200)

    class Meta:
        ordering = ["council__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["council", "name"], name="service_unique_name_per_council"),
        ]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    OFFICER = "officer", "Engagement officer"
    MANAGER = "manager", "Manager"
    COUNCILLOR = "councillor", "Councillor"


class Membership(models.Model):
    """A user's role in one council. A user may belong to several councils."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)

    class Meta:
        ordering = ["council__name"]
        constraints = [
            models.UniqueConstraint(fields=["user", "council"], name="membership_one_role_per_council"),
            models.CheckConstraint(condition=Q(role__in=Role.values), name="membership_role_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()} of {self.council}"


class Framework(models.Model):
    """A versioned question bank, e.g. "CLEAR 2026.1". Audits keep the version they started with."""

    version = models.CharField(max_length=50, unique=True)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    rating_guidance = models.TextField(
        blank=True,
        help_text="How to choose a level: the best-fit rule and what words such as “most” and “some” mean.",
    )
    is_current = models.BooleanField(default=False, help_text="New audits use the current framework.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["is_current"], condition=Q(is_current=True), name="framework_one_current"),
        ]

    def __str__(self) -> str:
        return self.version


class QuestionKind(models.TextChoices):
    """Whether a question describes the area and its residents, or what the council does:
    reports read the two apart (a council changes its practice sooner than its context)."""

    CONTEXT = "context", "Area context"
    PRACTICE = "practice", "Council practice"


class Question(models.Model):
    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="questions")
    factor = models.CharField(max_length=20, choices=Factor.choices)
    code = models.CharField(max_length=10, help_text="Short reference such as CD1.")
    theme = models.CharField(max_length=200)
    prompt = models.TextField()
    guidance = models.TextField(help_text="What to look at and which evidence to cite.")
    level_1 = models.TextField("1 – major barrier")
    level_2 = models.TextField("2 – weakness")
    level_3 = models.TextField("3 – adequate")
    level_4 = models.TextField("4 – strength")
    kind = models.CharField(max_length=10, choices=QuestionKind.choices, default=QuestionKind.PRACTICE)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["framework", "order", "code"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=QuestionKind.values), name="question_kind_valid"),
            models.UniqueConstraint(fields=["framework", "code"], name="question_unique_code_per_framework"),
            models.CheckConstraint(condition=Q(factor__in=Factor.values), name="question_factor_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.code}: {self.prompt}"

    @property
    def factor_slug(self) -> str:
        return FACTOR_SLUGS[self.factor]

    @property
    def levels(self) -> list[tuple[int, str]]:
        return [(1, self.level_1), (2, self.level_2), (3, self.level_3), (4, self.level_4)]

    def level_text(self, rating: int | None) -> str:
        return dict(self.levels).get(rating, "")


class PolicyResponse(models.Model):
    """The policy response that a question bank pairs with one factor.

    Responses and their interventions belong to the bank's version, like its questions, so an
    approved audit's report keeps the interventions it was written with."""

    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="responses")
    factor = models.CharField(max_length=20, choices=Factor.choices)
    title = models.CharField(max_length=200)
    summary = models.TextField()

    class Meta:
        ordering = ["framework", "factor"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "factor"], name="response_one_per_factor_per_framework"),
            models.CheckConstraint(condition=Q(factor__in=Factor.values), name="response_factor_valid"),
        ]

    def __str__(self) -> str:
        return self.title


#: An intervention's code: lower-case words joined by hyphens, e.g. "digital-inclusion".
INTERVENTION_CODE = r"^[a-z0-9]+(-[a-z0-9]+)*$"


class Intervention(models.Model):
    response = models.ForeignKey(PolicyResponse, on_delete=models.CASCADE, related_name="interventions")
    code = models.CharField(
        max_length=60,
        validators=[
            RegexValidator(INTERVENTION_CODE, "Use lower-case letters, digits and hyphens, e.g. digital-inclusion.")
        ],
        help_text="Short reference, unique within the question bank, e.g. digital-inclusion.",
    )
    title = models.CharField(max_length=200)
    description = models.TextField()
    order = models.PositiveSmallIntegerField(default=0)
    questions = models.ManyToManyField(
        Question,
        related_name="interventions",
        blank=True,
        help_text="The questions of the same bank that this intervention addresses.",
    )

    class Meta:
        ordering = ["response", "order", "pk"]
        constraints = [
            # Codes are unique within the bank; the database holds them unique per response,
            # clean() (and the admin) across the bank's five responses.
            models.UniqueConstraint(fields=["response", "code"], name="intervention_unique_code_per_response"),
            models.CheckConstraint(condition=Q(code__regex=INTERVENTION_CODE), name="intervention_code_slug"),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        super().clean()
        if self.response_id and self.code:
            taken = Intervention.objects.filter(
                response__framework_id=self.response.framework_id, code=self.code
            ).exclude(pk=self.pk)
            if taken.exists():
                raise ValidationError(
                    {"code": f"Another intervention of {self.response.framework} already has the code {self.code}."}
                )

    def check_questions(self, questions) -> None:
        """Refuse links to questions of another bank than the intervention's own."""
        framework_id = self.response.framework_id
        foreign = sorted(q.code for q in questions if q.framework_id != framework_id)
        if foreign:
            raise ValidationError(
                {
                    "questions": f"{', '.join(foreign)} belong to another question bank than "
                    f"{self.response.framework}: an intervention addresses questions of its own bank only."
                }
            )


class AuditStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    RETURNED = "returned", "Returned"
    APPROVED = "approved", "Approved"


#: Statuses in which officers may change answers.
EDITABLE_STATUSES = (AuditStatus.DRAFT, AuditStatus.RETURNED)


class AuditQuerySet(models.QuerySet):
    def approved(self):
        """Approved audits that no later revision has superseded: the ones dashboards count."""
        return self.filter(status=AuditStatus.APPROVED, superseded_at__isnull=True)


class Audit(models.Model):
    """One officer self-assessment of a council, or of one of its services, for one period.

    Reopening an approved audit makes a new *revision* of the same scope and period; the
    approved one stays unchanged and is marked superseded when the new one is approved.
    """

    council = models.ForeignKey(Council, on_delete=models.PROTECT, related_name="audits")
    service = models.ForeignKey(
        Service,
        on_delete=models.PROTECT,
        related_name="audits",
        null=True,
        blank=True,
        help_text="Empty for an audit of the council as a whole.",
    )
    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="audits")
    period = models.CharField(max_length=7, help_text="Financial year, e.g. 2026/27.")
    revision = models.PositiveIntegerField(
        default=1, help_text="1 for the first audit of a scope and period; reopening an approved audit adds one."
    )
    reopened_from = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        related_name="reopened_as",
        null=True,
        blank=True,
        help_text="The approved revision this one was reopened from; it stays as it was.",
    )
    reopen_reason = models.TextField(blank=True)
    superseded_at = models.DateTimeField(
        null=True, blank=True, help_text="When a later revision of the same scope and period was approved."
    )
    status = models.CharField(max_length=20, choices=AuditStatus.choices, default=AuditStatus.DRAFT)
    version = models.PositiveIntegerField(default=1, help_text="Goes up with every save, to detect concurrent edits.")

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
        help_text="The officer who leads the audit: its drafts and returns wait for them.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    returned_at = models.DateTimeField(null=True, blank=True)
    return_comment = models.TextField(blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    approved_at = models.DateTimeField(null=True, blank=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-period", "council__name", "service__name", "-revision"]
        constraints = [
            models.UniqueConstraint(
                fields=["council", "service", "period", "revision"],
                condition=Q(service__isnull=False),
                name="audit_one_per_service_and_period",
            ),
            models.UniqueConstraint(
                fields=["council", "period", "revision"],
                condition=Q(service__isnull=True),
                name="audit_one_council_wide_per_period",
            ),
            models.CheckConstraint(condition=Q(status__in=AuditStatus.values), name="audit_status_valid"),
            models.CheckConstraint(condition=Q(period__regex=r"^[0-9]{4}/[0-9]{2}$"), name="audit_period_format"),
            models.CheckConstraint(
                condition=~Q(status=AuditStatus.APPROVED) | Q(approved_at__isnull=False),
                name="audit_approved_has_date",
            ),
            models.CheckConstraint(
                condition=Q(superseded_at__isnull=True) | Q(status=AuditStatus.APPROVED),
                name="audit_only_approved_superseded",
            ),
        ]
        indexes = [
            models.Index(fields=["council", "status"], name="audit_council_status"),
            # The benchmark's latest approved period per council, and dashboards' approved audits.
            models.Index(
                fields=["council", "period"],
                condition=Q(status="approved", superseded_at__isnull=True),
                name="audit_approved_council_period",
            ),
        ]

    def __str__(self) -> str:
        revision = f" (revision {self.revision})" if self.revision > 1 else ""
        return f"{self.council} – {self.scope_label} – {self.period}{revision}"

    def get_absolute_url(self) -> str:
        return reverse("audits:detail", args=[self.pk])

    @property
    def scope_label(self) -> str:
        return self.service.name if self.service_id else "Whole council"

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATUSES


class Confidence(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class Answer(models.Model):
    """An officer's rating of one question, with the evidence behind it.

    ``rating`` is 1–4; ``dont_know`` records an explicit "don't know" (a gap in evidence,
    not a score). A row with neither is a draft: notes saved before a rating was chosen.
    """

    audit = models.ForeignKey(Audit, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    dont_know = models.BooleanField(default=False)
    confidence = models.CharField(max_length=10, choices=Confidence.choices, blank=True)
    evidence_notes = models.TextField(blank=True)
    evidence_links = models.TextField(blank=True, help_text="One web address per line.")
    audit_version = models.PositiveIntegerField(
        default=1, help_text="The audit's version when this answer was last written."
    )
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["question__order"]
        constraints = [
            models.UniqueConstraint(fields=["audit", "question"], name="answer_one_per_question"),
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=4),
                name="answer_rating_1_to_4",
            ),
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(dont_know=False),
                name="answer_rating_or_dont_know",
            ),
            models.CheckConstraint(
                condition=Q(confidence__in=["", *Confidence.values]), name="answer_confidence_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.audit} – {self.question.code}"

    @property
    def is_answered(self) -> bool:
        return self.rating is not None or self.dont_know

    @property
    def links(self) -> list[str]:
        return [line.strip() for line in self.evidence_links.splitlines() if line.strip()]

    @property
    def has_evidence(self) -> bool:
        """A link, or a note that says something (scoring.cites_evidence)."""
        return cites_evidence(self.evidence_notes, self.links)


class EventKind(models.TextChoices):
    CREATED = "created", "Created"
    ANSWER = "answer", "Answer changed"
    SUBMITTED = "submitted", "Submitted"
    RETURNED = "returned", "Returned"
    APPROVED = "approved", "Approved"
    REOPENED = "reopened", "Reopened"
    SUPERSEDED = "superseded", "Superseded"
    IMPORTED = "imported", "Imported"
    #: An officer's note on why another perspective rates a question two levels or more apart.
    DIVERGENCE_NOTE = "divergence_note", "Divergence explained"
    WITHDRAWN = "withdrawn", "Withdrawn before review"
    LEAD = "lead", "Lead officer changed"
    ASSIGNED = "assigned", "Factor assigned"


class AuditEvent(models.Model):
    """One entry of an audit's history: who changed what, when, from what to what.

    Written by ``audits.services`` in the same transaction as the change itself, so the
    history holds every write or none. ``before`` and ``after`` hold only the fields that
    changed (an answer's rating, notes…; an audit's status).
    """

    audit = models.ForeignKey(Audit, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True)
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+", null=True, blank=True)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["audit", "-at"], name="audit_event_audit_at")]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=EventKind.values), name="audit_event_kind_valid"),
            models.CheckConstraint(
                condition=~Q(kind="answer") | Q(question__isnull=False), name="audit_event_answer_has_question"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.audit}: {self.get_kind_display()} at {self.at:%Y-%m-%d %H:%M}"


class FactorScore(models.Model):
    """The stored profile of one factor of an audit, kept in step by services.recompute_scores."""

    audit = models.ForeignKey(Audit, on_delete=models.CASCADE, related_name="factor_scores")
    factor = models.CharField(max_length=20, choices=Factor.choices)
    score = models.FloatField(null=True, blank=True, help_text="0–100, or empty when too few answers.")
    answered = models.PositiveSmallIntegerField(default=0, help_text="Questions rated 1–4.")
    dont_know = models.PositiveSmallIntegerField(default=0)
    total = models.PositiveSmallIntegerField(default=0)
    evidenced = models.PositiveSmallIntegerField(default=0, help_text="Rated answers that cite evidence.")
    evidence_strength = models.CharField(max_length=10, choices=EvidenceStrength.choices, default=EvidenceStrength.NONE)
    weak_ratings = models.JSONField(
        default=dict,
        blank=True,
        help_text="The factor's questions rated 1 or 2, code to rating: a barrier is never averaged away.",
    )

    class Meta:
        # By the audit's id, not "audit": that would take Audit's ordering and join its council and service.
        ordering = ["audit_id", "factor"]
        constraints = [
            models.UniqueConstraint(fields=["audit", "factor"], name="factor_score_one_per_factor"),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=0, score__lte=100),
                name="factor_score_0_to_100",
            ),
            models.CheckConstraint(condition=Q(factor__in=Factor.values), name="factor_score_factor_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.audit} – {self.get_factor_display()}: {self.score}"

    @property
    def factor_index(self) -> int:
        return FACTOR_ORDER.index(self.factor)


class BundleState(models.TextChoices):
    QUEUED = "queued", "Waiting for a worker"
    RUNNING = "running", "Rendering"
    DONE = "done", "Ready"
    FAILED = "failed", "Failed"


class ReportBundle(models.Model):
    """Every PDF report of a council in one zip file, rendered by a background task
    (``audits.tasks.render_report_bundle``). The file is kept in the database so that any
    app server can hand it out, whichever worker made it.

    A council has at most one bundle queued or rendering at a time. While it renders, the task
    writes ``heartbeat_at`` every HEARTBEAT_EVERY; a bundle whose heartbeat is older than
    LOST_AFTER has lost its worker and is marked failed (``services.report_bundles_give_up_lost``)."""

    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="report_bundles")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    task_id = models.CharField(max_length=64, blank=True)
    state = models.CharField(max_length=10, choices=BundleState.choices, default=BundleState.QUEUED)
    done = models.PositiveIntegerField(default=0, help_text="Reports rendered so far.")
    total = models.PositiveIntegerField(default=0, help_text="Reports to render; known once the task starts.")
    progress_at = models.DateTimeField(null=True, blank=True, help_text="When the task last rendered a report.")
    heartbeat_at = models.DateTimeField(
        null=True, blank=True, help_text="When the task last said it is alive (every 15 seconds while it renders)."
    )
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    filename = models.CharField(max_length=200, blank=True)
    content = models.BinaryField(null=True, editable=False)

    IN_FLIGHT = (BundleState.QUEUED, BundleState.RUNNING)
    #: No worker has taken a bundle queued this long ago: is one running?
    WAIT_FOR_WORKER = timedelta(minutes=5)
    #: How often a rendering task says it is alive, from a thread beside the rendering, so that
    #: even one long report (a council-wide report of many services) keeps it fresh.
    HEARTBEAT_EVERY = timedelta(seconds=15)
    #: A running bundle without a heartbeat for this long has lost its worker (three beats
    #: missed): it is given up, and the page says so within a minute of the worker stopping.
    LOST_AFTER = timedelta(seconds=45)
    #: A running bundle whose worker is alive but has rendered no report for this long is stuck
    #: (one report takes seconds): it is given up too, so that it does not block new requests.
    STALLED_AFTER = timedelta(minutes=10)

    WORKER_STOPPED = "The worker rendering these reports stopped; prepare them again."
    NO_PROGRESS = "The rendering made no progress for 10 minutes, so it was given up; prepare the reports again."
    TASK_ENDED = "The task for these reports ended before rendering them; prepare them again."

    class Meta:
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(state__in=BundleState.values), name="report_bundle_state_valid"),
            models.CheckConstraint(condition=Q(done__lte=models.F("total")), name="report_bundle_done_le_total"),
            models.UniqueConstraint(
                fields=["council"],
                condition=Q(state__in=["queued", "running"]),
                name="report_bundle_one_in_flight_per_council",
            ),
        ]

    def __str__(self) -> str:
        return f"Reports of {self.council} requested {self.requested_at:%Y-%m-%d %H:%M}"

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0

    @property
    def is_finished(self) -> bool:
        return self.state in (BundleState.DONE, BundleState.FAILED)

    def lost_reason(self, now=None) -> str:
        """Why a running bundle will never finish (its worker stopped, or is stuck), in words for
        the person waiting; "" while it is alive and moving. (A queued bundle's task is checked
        by ``services.report_bundles_give_up_lost``.)"""
        if self.state != BundleState.RUNNING:
            return ""
        now = now or timezone.now()
        if now - (self.heartbeat_at or self.progress_at or self.requested_at) > self.LOST_AFTER:
            return self.WORKER_STOPPED
        if now - (self.progress_at or self.requested_at) > self.STALLED_AFTER:
            return self.NO_PROGRESS
        return ""

    def problem(self, now=None) -> str:
        """Why an unfinished bundle seems stuck, in words for the person waiting; "" if it is not."""
        now = now or timezone.now()
        if self.state == BundleState.QUEUED and now - self.requested_at > self.WAIT_FOR_WORKER:
            return (
                "No worker has started these reports yet. They will start when one does; if this lasts, "
                "ask your site administrator to check that the task worker is running."
            )
        return self.lost_reason(now)


class FactorAssignment(models.Model):
    """A colleague given one factor of an audit to answer ("Asked to: the consultation team")."""

    audit = models.ForeignKey(Audit, on_delete=models.CASCADE, related_name="assignments")
    factor = models.CharField(max_length=20, choices=Factor.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        ordering = ["audit", "factor"]
        constraints = [
            models.UniqueConstraint(fields=["audit", "factor"], name="assignment_one_per_factor"),
            models.CheckConstraint(condition=Q(factor__in=Factor.values), name="assignment_factor_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.audit}: {self.get_factor_display()} – {self.user}"


class CouncilEventKind(models.TextChoices):
    AUDIT_DELETED = "audit_deleted", "Draft audit deleted"


class CouncilEvent(models.Model):
    """An entry of a council's own history: what outlives the audit it was about (a deleted
    draft's scope, period, who deleted it and when)."""

    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True)
    kind = models.CharField(max_length=20, choices=CouncilEventKind.choices)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=CouncilEventKind.values), name="council_event_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.council}: {self.get_kind_display()} at {self.at:%Y-%m-%d %H:%M}"
