"""What a report says, gathered into immutable plain data (step one of two; pdf.py renders it).

Building a report makes a fixed number of queries, whatever the number of questions or services.
"""

from __future__ import annotations

import functools
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime

import markdown
from django.conf import settings
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import slugify

from .. import charts, extensions, interventions, scoring
from ..council_profile import HeatCell, ScopeAudit, council_profile, heat_cell, latest_approved_audits, weak_services
from ..factors import FACTOR_ORDER, FACTOR_QUESTIONS, Factor
from ..models import Answer, Audit, AuditStatus, Council, FactorScore, Question
from ..selectors import SCORED_FIELDS, answer_input
from ..summary import suggestion_reason, summary_sentences


def _name(user) -> str:
    return (user.get_full_name() or user.get_username()) if user else ""


@functools.cache
def method_html() -> SafeString:
    """docs/scoring.md as HTML: the report's method section says exactly what the docs say."""
    text = (settings.BASE_DIR / "docs" / "scoring.md").read_text(encoding="utf-8")
    body = text.split("\n", 1)[1]  # the page's own title is replaced by the report's heading
    body = body.split("\n## For developers", 1)[0]
    return mark_safe(markdown.markdown(body, extensions=["tables"]))


@dataclass(frozen=True)
class QuestionResult:
    code: str
    theme: str
    prompt: str
    rating: int | None
    dont_know: bool
    level_text: str
    confidence: str
    notes: str
    links: tuple[str, ...]
    gap: str  # why this answer is an evidence gap, or ""


@dataclass(frozen=True)
class FactorSection:
    factor: str
    label: str
    asks: str
    profile: scoring.FactorProfile
    questions: tuple[QuestionResult, ...]

    @property
    def gaps(self) -> tuple[QuestionResult, ...]:
        return tuple(q for q in self.questions if q.gap)


@dataclass(frozen=True)
class InterventionItem:
    title: str
    description: str
    aimed_at: str = ""  # the weak questions it addresses, e.g. "CD3 rated 1 (Digital skills)"


@dataclass(frozen=True)
class ResponseItem:
    rank: int
    title: str
    summary: str
    priority: str  # "priority" or "consider"
    factor_label: str
    score: float | None
    band_label: str  # "" when the factor has no score
    because: str
    reasons: tuple[str, ...]
    aimed: tuple[InterventionItem, ...]  # aimed at the factor's weak questions
    other_options: tuple[InterventionItem, ...]


@dataclass(frozen=True)
class FactorChange:
    label: str
    before: float | None
    after: float | None
    rated: int = 0  # rated questions now: what a question-level is worth

    @property
    def delta(self) -> float | None:
        return None if self.before is None or self.after is None else self.after - self.before

    @property
    def levels(self) -> int | None:
        """The change in question-levels (scoring.levels_moved), the unit the summary reports."""
        if self.delta is None or not self.rated:
            return None
        return scoring.levels_moved(self.before, self.after, self.rated)


@dataclass(frozen=True)
class QuestionMove:
    code: str
    prompt: str
    before: str
    after: str


@dataclass(frozen=True)
class AuditReport:
    title: str
    filename: str
    council: str
    scope: str
    period: str
    framework: str
    status: str
    is_draft: bool
    assessed_by: str
    started_at: datetime
    submitted_by: str
    submitted_at: datetime | None
    approved_by: str
    approved_at: datetime | None
    profiles: tuple[scoring.FactorProfile, ...]
    radar: SafeString
    sentences: tuple[str, ...]
    responses: tuple[ResponseItem, ...]
    strengths: tuple[scoring.FactorProfile, ...]
    missing: tuple[scoring.FactorProfile, ...]
    sections: tuple[FactorSection, ...]
    previous_period: str
    previous_framework: str  # the previous audit's bank, when it is another than this audit's
    changes: tuple[FactorChange, ...]
    moves: tuple[QuestionMove, ...]
    method: SafeString
    generated_at: datetime
    revision: int = 1
    reopen_reason: str = ""
    #: Sections other apps add before the per-factor detail (audits.extensions.report_sections).
    extra_sections: tuple = ()

    @property
    def header(self) -> str:
        return f"{self.council} · {self.scope} · {self.period}"


def _rating_label(answer: Answer | None) -> str:
    if answer is None or (answer.rating is None and not answer.dont_know):
        return "not answered"
    return "don't know" if answer.dont_know else str(answer.rating)


def _inputs(questions: list[Question], answers: dict[int, Answer]) -> list[scoring.AnswerInput]:
    return [answer_input(q, a) for q in questions if (a := answers.get(q.pk)) is not None]


def _responses(
    suggested: list[interventions.SuggestedResponse], reasons: dict[str, tuple[str, ...]] | None = None
) -> tuple[ResponseItem, ...]:
    """The suggested responses as report items. ``reasons`` replaces the list under each
    response (the council report lists the services where the factor is weak)."""
    items = []
    for rank, item in enumerate(suggested, start=1):
        s, response = item.suggestion, item.response
        items.append(
            ResponseItem(
                rank=rank,
                title=item.title,
                summary=response.summary if response else "",
                priority=s.priority,
                factor_label=s.profile.label,
                score=s.profile.score,
                band_label=s.profile.band.label if s.profile.band else "",
                because=suggestion_reason(s),
                reasons=reasons[s.factor]
                if reasons is not None
                else tuple(f"{a.code} rated {a.rating}: {a.prompt}" for a in s.reasons)
                + tuple(f"{g.code} don't know: {g.prompt}" for g in s.unknowns),
                aimed=tuple(
                    InterventionItem(a.intervention.title, a.intervention.description, a.target_text)
                    for a in item.aimed
                ),
                other_options=tuple(InterventionItem(i.title, i.description) for i in item.other_options),
            )
        )
    return tuple(items)


def previous_audit(audit: Audit) -> Audit | None:
    """The latest approved audit of the same scope for an earlier period.

    For an approved audit: the revision that was current when it was approved, so that its
    report reads the same even after an earlier period is reopened and approved again.
    """
    earlier = Audit.objects.filter(council_id=audit.council_id, service_id=audit.service_id, period__lt=audit.period)
    if audit.approved_at is None:
        earlier = earlier.approved()
    else:
        earlier = earlier.filter(status=AuditStatus.APPROVED, approved_at__lte=audit.approved_at).exclude(
            superseded_at__lte=audit.approved_at
        )
    return earlier.select_related("framework").order_by("-period", "-revision").first()


def build_audit_report(audit: Audit) -> AuditReport:
    audit = Audit.objects.select_related(
        "council", "service", "framework", "created_by", "submitted_by", "approved_by"
    ).get(pk=audit.pk)
    questions = list(Question.objects.filter(framework_id=audit.framework_id).order_by("order", "code"))
    answers = {a.question_id: a for a in Answer.objects.filter(audit=audit)}
    counts = Counter(q.factor for q in questions)
    approved = audit.status == AuditStatus.APPROVED
    profiles = scoring.factor_profiles(counts, _inputs(questions, answers), approved=approved)
    by_factor = {p.factor: p for p in profiles}

    previous = previous_audit(audit)
    before_scores: dict[str, float | None] = {}
    before_answers: dict[str, Answer] = {}  # by question code: the previous audit may use an older bank
    if previous is not None:
        before_scores = dict(FactorScore.objects.filter(audit=previous).values_list("factor", "score"))
        before_answers = {a.question.code: a for a in Answer.objects.filter(audit=previous).select_related("question")}

    suggestions = scoring.suggested_responses(profiles)
    sections = []
    for factor in FACTOR_ORDER:
        gaps = {g.code: g.label for g in by_factor[factor].gaps if g.kind != "unanswered"}
        rows = []
        for q in (q for q in questions if q.factor == factor):
            a = answers.get(q.pk)
            rows.append(
                QuestionResult(
                    code=q.code,
                    theme=q.theme,
                    prompt=q.prompt,
                    rating=a.rating if a else None,
                    dont_know=bool(a and a.dont_know),
                    level_text=q.level_text(a.rating) if a else "",
                    confidence=a.get_confidence_display() if a and a.confidence else "not set",
                    notes=a.evidence_notes if a else "",
                    links=tuple(a.links) if a else (),
                    gap=gaps.get(q.code, ""),
                )
            )
        sections.append(
            FactorSection(factor, Factor(factor).label, FACTOR_QUESTIONS[factor], by_factor[factor], tuple(rows))
        )

    scores = {p.factor: p.score for p in profiles}
    radar = charts.radar(
        charts.Series.of(audit.period, profiles),
        charts.Series(previous.period, before_scores) if previous else None,
        title=f"CLEAR profile of {audit.council.name}, {audit.scope_label}, {audit.period}",
    )
    moves = tuple(
        QuestionMove(q.code, q.prompt, _rating_label(before_answers.get(q.code)), _rating_label(answers.get(q.pk)))
        for q in questions
        if previous is not None and _rating_label(before_answers.get(q.code)) != _rating_label(answers.get(q.pk))
    )
    scope = audit.scope_label
    revision_label, file_revision = (
        ("", "") if audit.revision == 1 else (f" (revision {audit.revision})", f"-r{audit.revision}")
    )
    return AuditReport(
        title=f"CLEAR audit: {audit.council.name}, {scope}, {audit.period}{revision_label}",
        filename=f"clear-audit-{slugify(audit.council.name)}-{slugify(scope)}-{audit.period.replace('/', '-')}"
        f"{file_revision}.pdf",
        council=audit.council.name,
        scope=scope,
        period=audit.period,
        framework=audit.framework.version,
        status=audit.get_status_display(),
        is_draft=audit.status != AuditStatus.APPROVED,
        assessed_by=_name(audit.created_by),
        started_at=audit.created_at,
        submitted_by=_name(audit.submitted_by),
        submitted_at=audit.submitted_at,
        approved_by=_name(audit.approved_by),
        approved_at=audit.approved_at,
        profiles=tuple(profiles),
        radar=radar,
        sentences=tuple(
            summary_sentences(
                profiles,
                previous=before_scores or None,
                previous_period=previous.period if previous else "",
                provisional=not approved,
            )
        ),
        responses=_responses(interventions.with_interventions(audit.framework_id, suggestions)),
        strengths=tuple(scoring.strengths(profiles)),
        missing=tuple(scoring.missing_evidence(profiles)),
        sections=tuple(sections),
        previous_period=previous.period if previous else "",
        changes=tuple(
            FactorChange(Factor(f).label, before_scores.get(f), scores[f], by_factor[f].rated)
            for f in FACTOR_ORDER
            if previous
        ),
        previous_framework=previous.framework.version
        if previous is not None and previous.framework_id != audit.framework_id
        else "",
        moves=moves,
        method=method_html(),
        extra_sections=tuple(extensions.report_sections(audit)),
        generated_at=timezone.now(),
        revision=audit.revision,
        reopen_reason=audit.reopen_reason,
    )


# --- The council-wide report -------------------------------------------------------------


@dataclass(frozen=True)
class ServiceSummary:
    service: str
    period: str
    audit_id: int
    approved_at: datetime | None
    cells: tuple[HeatCell, ...]
    profiles: tuple[scoring.FactorProfile, ...]
    radar: SafeString
    sentences: tuple[str, ...]
    responses: tuple[ResponseItem, ...]


@dataclass(frozen=True)
class CouncilReport:
    title: str
    filename: str
    council: str
    period_range: str
    source: str  # how the council profile was made
    profile_scores: dict[str, float | None]
    profile_cells: tuple[HeatCell, ...]
    radar: SafeString
    weakest: str
    responses: tuple[ResponseItem, ...]
    services: tuple[ServiceSummary, ...]
    services_without_audit: tuple[str, ...]
    method: SafeString
    generated_at: datetime
    is_draft: bool = False

    @property
    def header(self) -> str:
        return f"{self.council} · council-wide report · {self.period_range}"

    @property
    def factor_labels(self) -> tuple[str, ...]:
        return tuple(Factor(f).label for f in FACTOR_ORDER)


def build_council_report(council: Council) -> CouncilReport:
    """The council-wide report: the latest approved audit of each scope, the council's profile,
    heat cells and weak services by the rule of audits.council_profile (the dashboard's too),
    with profiles made from the audits' answers so that each service's page shows its gaps."""
    audits = latest_approved_audits(council)
    service_audits = sorted((a for a in audits if a.service_id), key=lambda a: a.service.name)
    audit_ids = [a.pk for a in audits]

    questions = list(Question.objects.filter(framework__audits__in=audit_ids).distinct().order_by("order", "code"))
    question_by_id = {q.pk: q for q in questions}
    counts_by_framework: dict[int, Counter] = defaultdict(Counter)
    for q in questions:
        counts_by_framework[q.framework_id][q.factor] += 1
    answers_by_audit: dict[int, list[scoring.AnswerInput]] = defaultdict(list)
    for a in Answer.objects.filter(audit_id__in=audit_ids).only("audit_id", "question_id", *SCORED_FIELDS):
        answers_by_audit[a.audit_id].append(answer_input(question_by_id[a.question_id], a))
    scopes = {
        a.pk: ScopeAudit(
            a.pk,
            a.service_id,
            a.service.name if a.service_id else "",
            a.period,
            a.framework_id,
            tuple(scoring.factor_profiles(counts_by_framework[a.framework_id], answers_by_audit[a.pk])),
        )
        for a in audits
    }
    made = council_profile(scopes.values())
    # Each audit's suggestions use its own bank's responses; the council's, the newest bank's.
    banks = {f: interventions.bank_responses(f, FACTOR_ORDER) for f in sorted({a.framework_id for a in audits})}
    council_bank = banks.get(made.framework_id, {})
    council_items = [
        interventions.aim(s, council_bank.get(s.factor)) for s in scoring.suggested_responses(made.profiles)
    ]

    services = []
    for a in service_audits:
        profiles = scopes[a.pk].profiles
        items = [
            interventions.aim(s, banks[a.framework_id].get(s.factor)) for s in scoring.suggested_responses(profiles)[:2]
        ]
        services.append(
            ServiceSummary(
                service=a.service.name,
                period=a.period,
                audit_id=a.pk,
                approved_at=a.approved_at,
                cells=tuple(heat_cell(p) for p in profiles),
                profiles=profiles,
                radar=charts.radar(
                    charts.Series.of(a.period, profiles),
                    size=240,
                    title=f"CLEAR profile of {a.service.name}, {a.period}",
                    id_prefix=f"radar-{a.pk}",
                ),
                sentences=tuple(summary_sentences(profiles)[:3]),
                responses=_responses(items),
            )
        )

    weakest = scoring.weakest_factors(made.profiles)
    periods = sorted({a.period for a in audits})
    all_services = list(council.services.order_by("name").values_list("name", flat=True))
    audited = {s.service for s in services}
    profile_scores = {p.factor: p.score for p in made.profiles}
    return CouncilReport(
        title=f"CLEAR council-wide report: {council.name}",
        filename=f"clear-council-report-{slugify(council.name)}-{timezone.localdate():%Y-%m-%d}.pdf",
        council=council.name,
        period_range=(f"{periods[0]} to {periods[-1]}" if len(periods) > 1 else periods[0])
        if periods
        else "no approved audits",
        source=made.source,
        profile_scores=profile_scores,
        profile_cells=tuple(heat_cell(p) for p in made.profiles),
        radar=charts.radar(
            charts.Series.of("Council profile", made.profiles), title=f"CLEAR profile of {council.name}"
        ),
        weakest=", ".join(f"{p.label} ({scoring.shown(p.score)})" for p in weakest),
        responses=_responses(
            council_items,
            {
                item.suggestion.factor: weak_services(scopes.values(), item.suggestion.factor)
                or ("no service scores under 50",)
                for item in council_items
            },
        ),
        services=tuple(services),
        services_without_audit=tuple(name for name in all_services if name not in audited),
        method=method_html(),
        generated_at=timezone.now(),
    )
