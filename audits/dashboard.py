"""The council dashboard: what it shows, built from stored factor scores with a fixed number of
queries whatever the number of services, audits or periods.

Rules (also in docs/scoring.md, "A council's profile"):
- The council's profile is its latest approved council-wide audit where there is one, otherwise
  the mean of its services' latest approved audits. With a service chosen, that service's.
- A trend point is the same rule applied to the approved audits of one period.
- The benchmark is the spread (quartiles) of the profiles of councils that opted in, shown only
  to councils that opted in and only when at least BENCHMARK_MINIMUM councils contribute.
"""

from __future__ import annotations

import statistics
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Avg, Count, Max

from . import charts, scoring
from .factors import FACTOR_ORDER, Factor
from .models import Audit, AuditStatus, Council, FactorScore, PolicyResponse, Service
from .selectors import audits_stamp

BENCHMARK_MINIMUM = 5
BENCHMARK_CACHE_KEY = "clearaudit:benchmark-profiles:v1"
BENCHMARK_GENERATION_KEY = "clearaudit:benchmark-generation"


@dataclass(frozen=True)
class ApprovedAudit:
    pk: int
    service_id: int | None
    period: str
    profiles: tuple[scoring.FactorProfile, ...]


@dataclass(frozen=True)
class Cell:
    score: float | None
    band_label: str
    background: str
    colour: str


@dataclass(frozen=True)
class HeatRow:
    service: str
    audit_id: int | None
    period: str
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class TrendPoint:
    period: str
    scores: dict[str, float | None]
    audits: int


@dataclass(frozen=True)
class EvidenceHealth:
    label: str
    dont_know_share: float | None
    no_evidence_share: float | None


@dataclass(frozen=True)
class BenchmarkRow:
    label: str
    quartiles: tuple[float, float, float] | None
    own: float | None


@dataclass(frozen=True)
class Suggestion:
    title: str
    priority: str
    factor_label: str
    score: float
    weak_services: tuple[str, ...]
    interventions: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Dashboard:
    council: Council
    period: str
    periods: list[str]
    service: Service | None
    services: list[Service]
    source: str
    profile: list[scoring.FactorProfile]
    radar: str
    heatmap: list[HeatRow]
    trend: list[TrendPoint]
    trend_chart: str
    suggestions: list[Suggestion]
    work_in_progress: dict[str, int]
    evidence: list[EvidenceHealth]
    benchmark_contributors: int
    benchmark: list[BenchmarkRow] = field(default_factory=list)

    @property
    def factor_labels(self) -> list[str]:
        return [Factor(f).label for f in FACTOR_ORDER]

    @property
    def has_profile(self) -> bool:
        return any(p.score is not None for p in self.profile)

    @property
    def benchmark_shown(self) -> bool:
        return bool(self.benchmark)


def _stored_profile(row: dict) -> scoring.FactorProfile:
    return scoring.FactorProfile(
        factor=row["factor"],
        total=row["total"],
        rated=row["answered"],
        dont_know=row["dont_know"],
        evidenced=row["evidenced"],
        score=row["score"],
        band=scoring.band_for(row["score"]),
        evidence_strength=row["evidence_strength"],
    )


def _profile_of(audits: list[ApprovedAudit]) -> tuple[list[scoring.FactorProfile], str, int]:
    """(profile, how it was made, audits behind it) by the council-profile rule."""
    whole = [a for a in audits if a.service_id is None]
    if whole:
        latest = max(whole, key=lambda a: a.period)
        return list(latest.profiles), f"the council-wide audit of {latest.period}", 1
    by_service = [a for a in audits if a.service_id is not None]
    if not by_service:
        return scoring.combine_profiles([]), "no approved audit yet", 0
    combined = scoring.combine_profiles([a.profiles for a in by_service])
    n = len(by_service)
    return combined, f"the mean of the latest approved audits of {n} service{'s' if n != 1 else ''}", n


def _latest_per_scope(audits: list[ApprovedAudit]) -> dict[int | None, ApprovedAudit]:
    latest: dict[int | None, ApprovedAudit] = {}
    for a in sorted(audits, key=lambda a: a.period):
        latest[a.service_id] = a
    return latest


def _cell(score: float | None) -> Cell:
    band = scoring.band_for(score)
    background, colour = charts.band_colours(band.key if band else None)
    return Cell(score, band.label if band else "No score", background, colour)


def benchmark_profiles() -> dict[int, dict[str, float]]:
    """Each opted-in council's mean factor scores over its latest approved period, by council id.

    The same for every dashboard and costly at national scale (it reads every opted-in
    council's approved scores), so it is cached for BENCHMARK_CACHE_SECONDS; approving an audit
    and opting in or out clear it (see services).
    """
    cached = cache.get(BENCHMARK_CACHE_KEY)
    if cached is not None:
        return cached
    # Two steps, so that only the latest period's scores are read (index audit_approved_council_period).
    approved = Audit.objects.approved().filter(council__benchmark_opt_in=True).order_by()
    latest = dict(approved.values("council_id").annotate(latest=Max("period")).values_list("council_id", "latest"))
    rows = (
        FactorScore.objects.filter(audit__in=approved.filter(period__in=set(latest.values())), score__isnull=False)
        .values("audit__council_id", "audit__period", "factor")
        .annotate(mean=Avg("score"))
    )
    profiles: dict[int, dict[str, float]] = {council_id: {} for council_id in latest}
    for row in rows:
        if latest[row["audit__council_id"]] == row["audit__period"]:
            profiles[row["audit__council_id"]][row["factor"]] = row["mean"]
    cache.set(BENCHMARK_CACHE_KEY, profiles, settings.BENCHMARK_CACHE_SECONDS)
    return profiles


def forget_benchmark() -> None:
    """Drop the cached benchmark now and, inside a transaction, again once it commits (a request
    may have cached the old figures in between)."""

    def forget() -> None:
        cache.delete(BENCHMARK_CACHE_KEY)
        cache.set(BENCHMARK_GENERATION_KEY, time.time_ns(), None)  # dashboards cached before are out of date

    forget()
    transaction.on_commit(forget)


def dashboard_stamp(council: Council) -> str:
    """Changes whenever what the council's dashboard shows may have changed: an audit of the
    council saved, created or deleted, or the benchmark refreshed. One small query."""
    return f"{audits_stamp(Audit.objects.filter(council=council))}.{cache.get(BENCHMARK_GENERATION_KEY, 0)}"


def _benchmark(council: Council, own: list[scoring.FactorProfile]) -> tuple[int, list[BenchmarkRow]]:
    profiles = benchmark_profiles()
    contributors = len(profiles)
    if not council.benchmark_opt_in or contributors < BENCHMARK_MINIMUM:
        return contributors, []
    own_scores = {p.factor: p.score for p in own}
    result = []
    for factor in FACTOR_ORDER:
        scores = [scores[factor] for scores in profiles.values() if factor in scores]
        quartiles = None
        if len(scores) >= BENCHMARK_MINIMUM:
            q1, q2, q3 = statistics.quantiles(scores, n=4, method="inclusive")
            quartiles = (round(q1, 1), round(q2, 1), round(q3, 1))
        result.append(BenchmarkRow(Factor(factor).label, quartiles, own_scores.get(factor)))
    return contributors, result


def build_dashboard(council: Council, *, period: str | None = None, service: Service | None = None) -> Dashboard:
    services = list(council.services.order_by("name"))
    periods = sorted(
        set(Audit.objects.filter(council=council).order_by().values_list("period", flat=True).distinct()), reverse=True
    )
    period = period or (periods[0] if periods else "")

    audit_rows = Audit.objects.approved().filter(council=council)
    if service is not None:
        audit_rows = audit_rows.filter(service=service)
    audit_rows = list(audit_rows.order_by().values("pk", "service_id", "period"))
    stored: dict[int, list[scoring.FactorProfile]] = defaultdict(list)
    for row in FactorScore.objects.filter(audit_id__in=[a["pk"] for a in audit_rows]).values(
        "audit_id", "factor", "score", "answered", "dont_know", "total", "evidenced", "evidence_strength"
    ):
        stored[row["audit_id"]].append(_stored_profile(row))
    approved = [
        ApprovedAudit(
            a["pk"],
            a["service_id"],
            a["period"],
            tuple(sorted(stored[a["pk"]], key=lambda p: FACTOR_ORDER.index(p.factor))),
        )
        for a in audit_rows
    ]

    # The profile and heatmap: the latest approved audit of each scope up to the chosen period.
    latest = _latest_per_scope([a for a in approved if not period or a.period <= period])
    profile, source, _ = _profile_of(list(latest.values()))
    if service is not None:
        source = (
            f"the approved audit of {service.name} for {latest[service.pk].period}"
            if service.pk in latest
            else f"no approved audit of {service.name} yet"
        )
    heatmap = []
    for s in [service] if service is not None else services:
        audit = latest.get(s.pk)
        cells = tuple(_cell(p.score) for p in audit.profiles) if audit else ()
        heatmap.append(HeatRow(s.name, audit.pk if audit else None, audit.period if audit else "", cells))

    # Trends: the same rule, period by period.
    by_period: dict[str, list[ApprovedAudit]] = defaultdict(list)
    for a in approved:
        by_period[a.period].append(a)
    trend = []
    for p in sorted(by_period):
        profiles, _, n = _profile_of(by_period[p])
        trend.append(TrendPoint(p, {f.factor: f.score for f in profiles}, n))
    trend_chart = charts.trend(
        [t.period for t in trend],
        {f: {t.period: t.scores.get(f) for t in trend} for f in FACTOR_ORDER},
        title=f"CLEAR factor scores of {council.name} over time",
    )

    # Suggested responses for the weakest factors, with the services where each is weak.
    responses = {r.factor: r for r in PolicyResponse.objects.prefetch_related("interventions")}
    suggestions = []
    for s in scoring.suggested_responses(profile)[:3]:
        i = FACTOR_ORDER.index(s.factor)
        weak = tuple(
            f"{row.service} ({row.cells[i].score:.0f})"
            for row in heatmap
            if row.cells and row.cells[i].score is not None and row.cells[i].score < scoring.WEAK_BELOW
        )
        response = responses.get(s.factor)
        suggestions.append(
            Suggestion(
                title=response.title if response else s.response_title,
                priority=s.priority,
                factor_label=s.profile.label,
                score=s.profile.score,
                weak_services=weak,
                interventions=tuple((x.title, x.description) for x in response.interventions.all()) if response else (),
            )
        )

    wip_rows = Audit.objects.filter(council=council, period=period)
    if service is not None:
        wip_rows = wip_rows.filter(service=service)
    counts = Counter(dict(wip_rows.order_by().values_list("status").annotate(n=Count("pk")).values_list("status", "n")))
    work_in_progress = {label: counts.get(value, 0) for value, label in AuditStatus.choices}

    evidence = [
        EvidenceHealth(
            p.label,
            p.dont_know / p.total if p.total else None,
            (p.rated - p.evidenced) / p.rated if p.rated else None,
        )
        for p in profile
    ]
    contributors, benchmark = _benchmark(council, profile)
    return Dashboard(
        council=council,
        period=period,
        periods=periods,
        service=service,
        services=services,
        source=source,
        profile=profile,
        radar=charts.radar(
            charts.Series("Council profile" if service is None else service.name, {p.factor: p.score for p in profile}),
            title=f"CLEAR profile of {council.name}",
        ),
        heatmap=heatmap,
        trend=trend,
        trend_chart=trend_chart,
        suggestions=suggestions,
        work_in_progress=work_in_progress,
        evidence=evidence,
        benchmark_contributors=contributors,
        benchmark=benchmark,
    )


def dashboard_csv_rows(d: Dashboard) -> list[list[str]]:
    """The dashboard's numbers as one tidy table: section, scope, period, factor, value, detail.
    Names come from users (services, councils): the download writes them through
    ``audits.csv_safety``, so that none is read as a spreadsheet formula."""

    def fmt(value: float | None) -> str:
        return "" if value is None else f"{value:.1f}"

    def pct(share: float | None) -> str:
        return "n/a" if share is None else f"{100 * share:.0f}%"

    rows = [["section", "scope", "period", "factor", "score", "detail"]]
    for p in d.profile:
        rows.append(["profile", d.source, d.period, p.label, fmt(p.score), p.band.label if p.band else "no score"])
    for row in d.heatmap:
        if not row.cells:
            rows.append(["services", row.service, "", "", "", "no approved audit"])
        for label, cell in zip(d.factor_labels, row.cells, strict=False):
            rows.append(["services", row.service, row.period, label, fmt(cell.score), cell.band_label])
    for t in d.trend:
        for f in FACTOR_ORDER:
            rows.append(["trend", "", t.period, Factor(f).label, fmt(t.scores.get(f)), f"{t.audits} audits"])
    for e in d.evidence:
        detail = f"don't know {pct(e.dont_know_share)}; ratings without evidence {pct(e.no_evidence_share)}"
        rows.append(["evidence", "", d.period, e.label, "", detail])
    for status, n in d.work_in_progress.items():
        rows.append(["work in progress", "", d.period, "", "", f"{status}: {n}"])
    return rows
