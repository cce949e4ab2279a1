"""Reads that assemble what the audit pages show. Query counts do not grow with rows."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet

from . import charts, fingerprints, interventions, question_bank, scoring
from .council_profile import STORED_FIELDS, stored_profile
from .factors import FACTOR_ORDER, FACTOR_QUESTIONS, FACTOR_SLUGS, Factor
from .models import (
    Answer,
    Audit,
    AuditEvent,
    AuditStatus,
    Confidence,
    EventKind,
    FactorAssignment,
    FactorScore,
    Question,
    Role,
)
from .permissions import council_workers, roles_of


def audits_stamp(audits: QuerySet[Audit]) -> str:
    """Changes whenever any of these audits is saved, created or deleted (one small query):
    part of the cache keys of pages built from them."""
    row = audits.order_by().aggregate(changed=Max("updated_at"), n=Count("pk"))
    return f"{row['n']}.{row['changed'].timestamp() if row['changed'] else 0}"


def audit_list(audits: QuerySet[Audit]) -> QuerySet[Audit]:
    """Audits with the scope names the list shows (progress: ``with_progress``, per page)."""
    return audits.select_related("council", "service", "lead")


def with_progress(audits: list[Audit]) -> list[Audit]:
    """Set on each audit of a page, in one query from its stored factor scores:
    ``answered_count`` and ``question_count`` (rated and "don't know" answers), and
    ``profiles``, its five factor profiles in order, each band judged with its barriers."""
    by_audit: dict[int, list] = {a.pk: [] for a in audits}
    for row in FactorScore.objects.filter(audit_id__in=list(by_audit)).values(*STORED_FIELDS):
        by_audit[row["audit_id"]].append(stored_profile(row))
    for audit in audits:
        profiles = sorted(by_audit[audit.pk], key=lambda p: FACTOR_ORDER.index(p.factor))
        audit.profiles = profiles
        audit.answered_count = sum(p.rated + p.dont_know for p in profiles)
        audit.question_count = sum(p.total for p in profiles)
    return audits


@dataclass(frozen=True)
class FactorStep:
    factor: str
    label: str
    slug: str
    question: str
    total: int
    answered: int

    @property
    def complete(self) -> bool:
        return self.total > 0 and self.answered == self.total

    @property
    def percent(self) -> int:
        return round(100 * self.answered / self.total) if self.total else 0


def factor_steps(audit: Audit) -> list[FactorStep]:
    """Progress per factor: questions answered (rated or don't know) out of the total, from the
    stored factor scores (kept in step with the answers by services.recompute_scores)."""
    stored = {
        row["factor"]: row
        for row in FactorScore.objects.filter(audit=audit).values("factor", "answered", "dont_know", "total")
    }
    totals = {f: row["total"] for f, row in stored.items()}
    answered = {f: row["answered"] + row["dont_know"] for f, row in stored.items()}
    return [
        FactorStep(
            factor=f,
            label=Factor(f).label,
            slug=FACTOR_SLUGS[f],
            question=FACTOR_QUESTIONS[f],
            total=totals.get(f, 0),
            answered=answered.get(f, 0),
        )
        for f in FACTOR_ORDER
    ]


@dataclass(frozen=True)
class Profile:
    factors: list[scoring.FactorProfile]
    suggestions: list[interventions.SuggestedResponse]
    strengths: list[scoring.FactorProfile]
    missing_evidence: list[scoring.FactorProfile]

    @property
    def unverified_strengths(self) -> list[scoring.FactorProfile]:
        return scoring.unverified_strengths(self.factors)

    def radar(self, label: str):
        """The profile as the radar chart the PDF report draws too."""
        return charts.radar(charts.Series.of(label, self.factors), title=f"CLEAR profile, {label}")

    @property
    def gaps(self) -> list[scoring.EvidenceGap]:
        return [gap for f in self.factors for gap in f.gaps if gap.kind != "unanswered"]


#: What scoring reads of an answer.
SCORED_FIELDS = ("rating", "dont_know", "confidence", "evidence_notes", "evidence_links")


def answer_input(question: Question, answer: Answer) -> scoring.AnswerInput:
    """One answer as scoring sees it."""
    return scoring.AnswerInput(
        code=question.code,
        factor=question.factor,
        rating=answer.rating,
        dont_know=answer.dont_know,
        has_evidence=answer.has_evidence,
        prompt=question.prompt,
        confidence=answer.confidence,
        theme=question.theme,
    )


def answer_inputs(audit: Audit) -> tuple[dict[str, int], list[scoring.AnswerInput]]:
    """The audit's answers as scoring inputs in framework order, with the number of questions per factor."""
    bank = question_bank.questions(audit.framework_id)
    answers = {
        a.question_id: a for a in Answer.objects.filter(audit=audit).only("question_id", *SCORED_FIELDS).order_by()
    }  # no ordering: framework order comes from the question bank
    inputs = [answer_input(q, answers[q.pk]) for q in bank if q.pk in answers]
    return question_bank.question_counts(audit.framework_id), inputs


def audit_profile(audit: Audit) -> Profile:
    """The audit's live profile (provisional until approved) with its suggested responses and
    the interventions of its own bank version, those aimed at its weak questions first."""
    counts, inputs = answer_inputs(audit)
    factors = scoring.factor_profiles(counts, inputs, approved=audit.status == AuditStatus.APPROVED)
    return Profile(
        factors=factors,
        suggestions=interventions.with_interventions(audit.framework_id, scoring.suggested_responses(factors)),
        strengths=scoring.strengths(factors),
        missing_evidence=scoring.missing_evidence(factors),
    )


@dataclass(frozen=True)
class QuestionRow:
    question: Question
    answer: Answer | None

    @property
    def chosen_level(self) -> str:
        """The level descriptor the answer's rating matched."""
        return self.question.level_text(self.answer.rating) if self.answer else ""


def step_rows(audit: Audit, factor: str, *, with_authors: bool = True) -> list[QuestionRow]:
    """The factor's questions in framework order, each with its answer (None if unanswered)
    and, ``with_authors``, who gave it."""
    questions = question_bank.factor_questions(audit.framework_id, factor)
    answers = Answer.objects.filter(audit=audit, question_id__in=[q.pk for q in questions])
    if with_authors:
        answers = answers.select_related("answered_by")
    by_question = {a.question_id: a for a in answers.order_by()}  # no ordering: it would join the questions
    return [QuestionRow(q, by_question.get(q.pk)) for q in questions]


FIELD_LABELS = {
    "status": "Status",
    "rating": "Rating",
    "dont_know": "Don't know",
    "confidence": "Confidence",
    "evidence_notes": "Evidence notes",
    "evidence_links": "Evidence links",
    "comment": "Comment",
    "reason": "Reason",
    "note": "Note",
    "from_revision": "Reopened from revision",
    "as_revision": "Reopened as revision",
    "by_revision": "Superseded by revision",
}


def _shown_value(name: str, value) -> str:
    if value in (None, "", False) and name != "status":
        return "—"
    if name == "status":
        return AuditStatus(value).label if value in AuditStatus.values else str(value or "—")
    if name == "dont_know":
        return "Yes"
    if name == "confidence":
        return Confidence(value).label if value in Confidence.values else str(value)
    return str(value)


@dataclass(frozen=True)
class Change:
    label: str
    before: str
    after: str
    long: bool  # free text: shown as blocks, not inline


@dataclass(frozen=True)
class HistoryRow:
    event: AuditEvent
    changes: list[Change]

    @property
    def who(self) -> str:
        user = self.event.user
        return (user.get_full_name() or user.get_username()) if user else "system"


def audit_history(audit: Audit, limit: int | None = None) -> tuple[int, list[HistoryRow]]:
    """The audit's history, newest first: (number of events, the first ``limit`` of them)."""
    events = AuditEvent.objects.filter(audit=audit).select_related("user", "question").order_by("-at", "-pk")
    if limit:
        total, events = events.count(), events[:limit]
    rows = []
    for event in events:
        names = [n for n in FIELD_LABELS if n in event.before or n in event.after]
        changes = [
            Change(
                FIELD_LABELS[n],
                _shown_value(n, event.before.get(n)) if event.kind != EventKind.CREATED else "",
                _shown_value(n, event.after.get(n)),
                n in ("evidence_notes", "evidence_links", "comment", "reason", "note"),
            )
            for n in names
        ]
        rows.append(HistoryRow(event, changes))
    return (total if limit else len(rows)), rows


def audit_workers(audit: Audit) -> list:
    """The officers and managers of the audit's council who worked on it: who started, leads,
    submitted or answered it, or was given one of its factors (whom a return or an approval
    concerns). Members who left the council are not among them."""
    ids = {audit.created_by_id, audit.lead_id, audit.submitted_by_id}
    ids |= set(Answer.objects.filter(audit=audit).exclude(answered_by=None).values_list("answered_by_id", flat=True))
    ids |= set(FactorAssignment.objects.filter(audit=audit).values_list("user_id", flat=True))
    return list(council_workers(audit.council_id).filter(pk__in=ids - {None}).order_by("pk"))


def _reference_point(audit: Audit):
    """When the answers a reviewer last saw were fixed: the submission before the current one
    (or, while the audit is being changed, the latest one); for a reopened revision never
    submitted, its reopening. None for an audit never submitted nor reopened."""
    marks = list(
        AuditEvent.objects.filter(audit=audit, kind__in=[EventKind.SUBMITTED, EventKind.RETURNED, EventKind.REOPENED])
        .order_by("at", "pk")
        .values_list("kind", "at")
    )
    # The submission a manager last decided on: the one before the latest return. A submission
    # withdrawn before review was never seen; a reopened revision starts from its approved one.
    returned = [i for i, (kind, _) in enumerate(marks) if kind == EventKind.RETURNED]
    if returned:
        seen = [at for kind, at in marks[: returned[-1]] if kind == EventKind.SUBMITTED]
        if seen:
            return seen[-1]
    reopened = [at for kind, at in marks if kind == EventKind.REOPENED]
    return reopened[0] if reopened else None


def answers_changed_since_review(audit: Audit) -> dict[int, dict]:
    """{question id: the answer's values before its first change} for the answers changed
    since the reviewer last saw them (``_reference_point``); empty the first time."""
    since = _reference_point(audit)
    if since is None:
        return {}
    earliest: dict[int, dict] = {}
    events = AuditEvent.objects.filter(audit=audit, kind=EventKind.ANSWER, at__gt=since).order_by("at", "pk")
    for question_id, before in events.values_list("question_id", "before"):
        seen = earliest.setdefault(question_id, {})
        for name, value in before.items():
            seen.setdefault(name, value)  # each field's value before its first change
    if not earliest:
        return {}
    # An answer changed and changed back is not marked: keep the fields that differ now.
    fields = [name for group in fingerprints.FIELD_GROUPS for name in group]
    now = {
        a.question_id: {n: getattr(a, n) for n in fields}
        for a in Answer.objects.filter(audit=audit, question_id__in=earliest)
    }
    changed = {}
    for question_id, before in earliest.items():
        differs = {n: v for n, v in before.items() if now.get(question_id, {}).get(n) != v}
        if differs:
            changed[question_id] = differs
    return changed


def unchanged_since_return(audit: Audit) -> bool:
    """A returned audit whose answers nobody changed since it was returned."""
    if audit.status != AuditStatus.RETURNED or audit.returned_at is None:
        return False
    return not AuditEvent.objects.filter(audit=audit, kind=EventKind.ANSWER, at__gt=audit.returned_at).exists()


@dataclass(frozen=True)
class ReviewRow:
    question: Question
    answer: Answer | None
    before: dict | None  # the values before a change since the last review; None if unchanged

    @property
    def chosen_level(self) -> str:
        return self.question.level_text(self.answer.rating) if self.answer else ""

    @property
    def changes(self) -> list[Change]:
        if self.before is None:
            return []
        return [
            Change(FIELD_LABELS[n], _shown_value(n, value), "", n in ("evidence_notes", "evidence_links"))
            for n, value in self.before.items()
            if n in FIELD_LABELS
        ]


@dataclass(frozen=True)
class ReviewBody:
    factors: list[tuple[str, list[ReviewRow]]]
    changed: int  # answers changed since the last review
    profile: Profile


def review_body(audit: Audit) -> ReviewBody:
    """What the review page shows of the audit: its answers by factor, and its profile."""
    factors = review_rows(audit)
    changed = sum(1 for _, rows in factors for row in rows if row.before is not None)
    return ReviewBody(factors, changed, audit_profile(audit))


def review_rows(audit: Audit) -> list[tuple[str, list[ReviewRow]]]:
    """Every question of the audit by factor, with its answer and what changed since the
    reviewer last saw it (three queries, whatever the number of questions)."""
    answers = {a.question_id: a for a in Answer.objects.filter(audit=audit).select_related("answered_by").order_by()}
    changed = answers_changed_since_review(audit)
    return [
        (
            factor,
            [
                ReviewRow(q, answers.get(q.pk), changed.get(q.pk))
                for q in question_bank.factor_questions(audit.framework_id, factor)
            ],
        )
        for factor in FACTOR_ORDER
    ]


#: How many audits of each kind the "Needs your action" panel lists (the rest are counted).
NEEDS_ACTION_SHOWN = 10


@dataclass(frozen=True)
class NeedsAction:
    to_review: list[Audit]  # submitted audits of the councils the person manages, oldest first
    to_review_total: int
    returned: list[Audit]  # returned audits they lead or have a factor of
    drafts: list[Audit]  # drafts they lead or have a factor of

    def __bool__(self) -> bool:
        return bool(self.to_review or self.returned or self.drafts)


def needs_action(user) -> NeedsAction:
    """What waits for the person: audits to review (managers), and audits returned to them or
    drafts they lead or were given a factor of (officers and managers).

    One slim query finds them (ids and dates: a short plan to make, read on every view of the
    audit list), and a second fetches the few shown, only when there are any."""
    roles = roles_of(user)
    managed = [c for c, r in roles.items() if r == Role.MANAGER]
    working = [c for c, r in roles.items() if r in (Role.OFFICER, Role.MANAGER)]
    if not working:
        return NeedsAction([], 0, [], [])
    assigned = FactorAssignment.objects.filter(user=user, audit_id=OuterRef("pk"))
    mine = Q(status__in=[AuditStatus.DRAFT, AuditStatus.RETURNED]) & (Q(lead=user) | Exists(assigned))
    found = list(
        Audit.objects.filter(council_id__in=working)
        .filter(Q(status=AuditStatus.SUBMITTED, council_id__in=managed) | mine)
        .order_by()
        .values_list("pk", "status", "submitted_at", "updated_at")[:500]
    )
    waiting = sorted((f for f in found if f[1] == AuditStatus.SUBMITTED), key=lambda f: f[2])
    returned = sorted((f for f in found if f[1] == AuditStatus.RETURNED), key=lambda f: f[3], reverse=True)
    drafts = sorted((f for f in found if f[1] == AuditStatus.DRAFT), key=lambda f: f[3], reverse=True)
    shown = [f[0] for group in (waiting, returned, drafts) for f in group[:NEEDS_ACTION_SHOWN]]
    audits = Audit.objects.select_related("council", "service", "lead", "submitted_by").in_bulk(shown) if shown else {}

    def listed(group):
        return [audits[f[0]] for f in group[:NEEDS_ACTION_SHOWN]]

    return NeedsAction(listed(waiting), len(waiting), listed(returned), listed(drafts))


#: The audit list's sort orders: key -> (label, ordering).
LIST_ORDERS = {
    "period": ("Newest period first", ["-period", "council__name", "service__name", "-revision"]),
    "oldest": ("Oldest period first", ["period", "council__name", "service__name", "-revision"]),
    "changed": ("Recently changed first", ["-updated_at", "-pk"]),
    "scope": ("Scope, A to Z", ["council__name", "service__name", "-period", "-revision"]),
    "status": ("Status", ["status", "-period", "council__name", "service__name"]),
}


def filter_audits(audits: QuerySet[Audit], *, user, filters: dict) -> QuerySet[Audit]:
    """The audit list's search, filters and order (``filters``: an AuditListForm's cleaned data)."""
    if filters.get("q"):
        words = filters["q"]
        match = (
            Q(service__name__icontains=words)
            | Q(period__icontains=words)
            | Q(council__name__icontains=words)
            | Q(lead__first_name__icontains=words)
            | Q(lead__last_name__icontains=words)
            | Q(lead__username__icontains=words)
        )
        if len(words) >= 3 and "whole council".startswith(words.lower()):
            match |= Q(service__isnull=True)
        audits = audits.filter(match)
    if filters.get("status"):
        audits = audits.filter(status=filters["status"])
    if filters.get("period"):
        audits = audits.filter(period=filters["period"])
    if filters.get("council"):
        audits = audits.filter(council=filters["council"])
    if filters.get("service"):
        audits = audits.filter(service=filters["service"])
    if filters.get("mine"):
        audits = audits.filter(lead=user)
    if filters.get("assigned"):
        audits = audits.filter(Exists(FactorAssignment.objects.filter(user=user, audit_id=OuterRef("pk"))))
    return audits.order_by(*LIST_ORDERS[filters.get("sort") or "period"][1])
