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
from django.db.models import Max
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import slugify

from .. import charts, scoring
from ..factors import FACTOR_ORDER, FACTOR_QUESTIONS, FACTOR_RESPONSES, Factor
from ..models import Answer, Audit, AuditStatus, Council, FactorScore, PolicyResponse, Question
from ..selectors import SCORED_FIELDS, answer_input
from ..summary import summary_sentences


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
class Intervention:
    title: str
    description: str


@dataclass(frozen=True)
class ResponseItem:
    rank: int
    title: str
    summary: str
    priority: str  # "priority" or "consider"
    factor_label: str
    score: float
    band_label: str
    reasons: tuple[str, ...]
    interventions: tuple[Intervention, ...]


@dataclass(frozen=True)
class FactorChange:
    label: str
    before: float | None
    after: float | None

    @property
    def delta(self) -> float | None:
        return None if self.before is None or self.after is None else self.after - self.before


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
    changes: tuple[FactorChange, ...]
    moves: tuple[QuestionMove, ...]
    method: SafeString
    generated_at: datetime
    revision: int = 1
    reopen_reason: str = ""

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
    suggestions: list[scoring.Suggestion], responses: dict[str, PolicyResponse], reasons: dict[str, tuple[str, ...]]
) -> tuple[ResponseItem, ...]:
    items = []
    for rank, s in enumerate(suggestions, start=1):
        response = responses.get(s.factor)
        items.append(
            ResponseItem(
                rank=rank,
                title=response.title if response else FACTOR_RESPONSES[s.factor],
                summary=response.summary if response else "",
                priority=s.priority,
                factor_label=s.profile.label,
                score=s.profile.score,
                band_label=s.profile.band.label,
                reasons=reasons[s.factor],
                interventions=tuple(
                    Intervention(i.title, i.description) for i in (response.interventions.all() if response else [])
                ),
            )
        )
    return tuple(items)


def _policy_responses() -> dict[str, PolicyResponse]:
    return {r.factor: r for r in PolicyResponse.objects.prefetch_related("interventions")}


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
    return earlier.order_by("-period", "-revision").first()


def build_audit_report(audit: Audit) -> AuditReport:
    audit = Audit.objects.select_related(
        "council", "service", "framework", "created_by", "submitted_by", "approved_by"
    ).get(pk=audit.pk)
    questions = list(Question.objects.filter(framework_id=audit.framework_id).order_by("order", "code"))
    answers = {a.question_id: a for a in Answer.objects.filter(audit=audit)}
    counts = Counter(q.factor for q in questions)
    profiles = scoring.factor_profiles(counts, _inputs(questions, answers))
    by_factor = {p.factor: p for p in profiles}

    previous = previous_audit(audit)
    before_scores: dict[str, float | None] = {}
    before_answers: dict[str, Answer] = {}  # by question code: the previous audit may use an older bank
    if previous is not None:
        before_scores = dict(FactorScore.objects.filter(audit=previous).values_list("factor", "score"))
        before_answers = {a.question.code: a for a in Answer.objects.filter(audit=previous).select_related("question")}

    suggestions = scoring.suggested_responses(profiles)
    reasons = {s.factor: tuple(f"{a.code} rated {a.rating}: {a.prompt}" for a in s.reasons) for s in suggestions}
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
        charts.Series(audit.period, scores),
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
                profiles, previous=before_scores or None, previous_period=previous.period if previous else ""
            )
        ),
        responses=_responses(suggestions, _policy_responses(), reasons),
        strengths=tuple(scoring.strengths(profiles)),
        missing=tuple(scoring.missing_evidence(profiles)),
        sections=tuple(sections),
        previous_period=previous.period if previous else "",
        changes=tuple(FactorChange(Factor(f).label, before_scores.get(f), scores[f]) for f in FACTOR_ORDER if previous),
        moves=moves,
        method=method_html(),
        generated_at=timezone.now(),
        revision=audit.revision,
        reopen_reason=audit.reopen_reason,
    )


# --- The council-wide report -------------------------------------------------------------


@dataclass(frozen=True)
class HeatCell:
    score: float | None
    band_key: str | None
    band_label: str
    background: str
    colour: str


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


def _cell(score: float | None) -> HeatCell:
    band = scoring.band_for(score)
    background, colour = charts.band_colours(band.key if band else None)
    return HeatCell(score, band.key if band else None, band.label if band else "No score", background, colour)


def latest_approved_audits(council: Council) -> list[Audit]:
    """The latest approved audit of each scope (the whole council and each service)."""
    approved = Audit.objects.approved().filter(council=council).order_by()
    latest_periods = set(approved.values("service_id").annotate(p=Max("period")).values_list("p", flat=True))
    latest: dict[int | None, Audit] = {}
    for audit in (
        approved.filter(period__in=latest_periods).select_related("service").order_by("-period", "-approved_at")
    ):
        latest.setdefault(audit.service_id, audit)
    return list(latest.values())


def build_council_report(council: Council) -> CouncilReport:
    audits = latest_approved_audits(council)
    service_audits = sorted((a for a in audits if a.service_id), key=lambda a: a.service.name)
    whole = next((a for a in audits if a.service_id is None), None)
    audit_ids = [a.pk for a in audits]

    questions = list(Question.objects.filter(framework__audits__in=audit_ids).distinct().order_by("order", "code"))
    question_by_id = {q.pk: q for q in questions}
    counts_by_framework: dict[int, Counter] = defaultdict(Counter)
    for q in questions:
        counts_by_framework[q.framework_id][q.factor] += 1
    answers_by_audit: dict[int, list[scoring.AnswerInput]] = defaultdict(list)
    for a in Answer.objects.filter(audit_id__in=audit_ids).only("audit_id", "question_id", *SCORED_FIELDS):
        answers_by_audit[a.audit_id].append(answer_input(question_by_id[a.question_id], a))
    profiles_by_audit = {
        a.pk: scoring.factor_profiles(counts_by_framework[a.framework_id], answers_by_audit[a.pk]) for a in audits
    }
    policy = _policy_responses()

    services = []
    for a in service_audits:
        profiles = profiles_by_audit[a.pk]
        suggestions = scoring.suggested_responses(profiles)
        services.append(
            ServiceSummary(
                service=a.service.name,
                period=a.period,
                audit_id=a.pk,
                approved_at=a.approved_at,
                cells=tuple(_cell(p.score) for p in profiles),
                profiles=tuple(profiles),
                radar=charts.radar(
                    charts.Series(a.period, {p.factor: p.score for p in profiles}),
                    size=240,
                    title=f"CLEAR profile of {a.service.name}, {a.period}",
                    id_prefix=f"radar-{a.pk}",
                ),
                sentences=tuple(summary_sentences(profiles)[:3]),
                responses=_responses(
                    suggestions[:2],
                    policy,
                    {s.factor: tuple(f"{r.code} rated {r.rating}" for r in s.reasons) for s in suggestions},
                ),
            )
        )

    # The council's profile: its own council-wide audit where there is one, else the mean of services.
    if whole is not None:
        council_profiles = profiles_by_audit[whole.pk]
        source = f"the council-wide audit of {whole.period}"
    else:
        council_profiles = scoring.combine_profiles([profiles_by_audit[a.pk] for a in service_audits])
        source = f"the mean of the latest approved audits of {len(service_audits)} services"
    suggestions = scoring.suggested_responses(council_profiles)
    weak_services = {
        f: tuple(
            f"{s.service}: {s.cells[i].score:.0f} ({s.cells[i].band_label.lower()})"
            for s in services
            if s.cells[i].score is not None and s.cells[i].score < scoring.WEAK_BELOW
        )
        for i, f in enumerate(FACTOR_ORDER)
    }
    means = scoring.combine_profiles([profiles_by_audit[a.pk] for a in service_audits])
    scored_means = [p for p in means if p.score is not None]
    weakest = min(scored_means, key=lambda p: (p.score, FACTOR_ORDER.index(p.factor)), default=None)
    periods = sorted({a.period for a in audits})
    all_services = list(council.services.order_by("name").values_list("name", flat=True))
    audited = {s.service for s in services}
    profile_scores = {p.factor: p.score for p in council_profiles}
    return CouncilReport(
        title=f"CLEAR council-wide report: {council.name}",
        filename=f"clear-council-report-{slugify(council.name)}-{timezone.localdate():%Y-%m-%d}.pdf",
        council=council.name,
        period_range=(f"{periods[0]} to {periods[-1]}" if len(periods) > 1 else periods[0])
        if periods
        else "no approved audits",
        source=source,
        profile_scores=profile_scores,
        profile_cells=tuple(_cell(profile_scores[f]) for f in FACTOR_ORDER),
        radar=charts.radar(charts.Series("Council profile", profile_scores), title=f"CLEAR profile of {council.name}"),
        weakest=(
            f"{weakest.label}, with a mean of {weakest.score:.0f} across {len(service_audits)} services"
            if weakest
            else ""
        ),
        responses=_responses(suggestions, policy, weak_services),
        services=tuple(services),
        services_without_audit=tuple(name for name in all_services if name not in audited),
        method=method_html(),
        generated_at=timezone.now(),
    )
