"""The council dashboard: what it shows, built from stored factor scores with a fixed number of
queries whatever the number of services, audits or periods.

The rules live elsewhere, each in one module: the council's profile, the latest approved audit
of each scope, heat cells, weak services and the trend in audits.council_profile (shared with
the council-wide report); the anonymised benchmark in audits.benchmark; suggestions and their
interventions in audits.scoring and audits.interventions.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count, Q

from . import charts, extensions, interventions, scoring
from .benchmark import BenchmarkRow, benchmark, benchmark_generation
from .council_profile import (
    HeatCell,
    TrendPoint,
    approved_scope_audits,
    council_profile,
    heat_cell,
    latest_per_scope,
    trend_points,
)
from .council_profile import weak_services as services_weak_in
from .factors import FACTOR_ORDER, Factor
from .models import Audit, AuditStatus, Council, Service
from .selectors import audits_stamp


@dataclass(frozen=True)
class HeatRow:
    service: str
    audit_id: int | None
    period: str
    cells: tuple[HeatCell, ...]


@dataclass(frozen=True)
class EvidenceHealth:
    label: str
    dont_know_share: float | None
    no_evidence_share: float | None


@dataclass(frozen=True)
class DashboardResponse:
    """A suggested response for the council's profile, with the services where its factor is weak."""

    item: interventions.SuggestedResponse
    weak_services: tuple[str, ...]


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
    suggestions: list[DashboardResponse]
    work_in_progress: dict[str, int]
    evidence: list[EvidenceHealth]
    benchmark_contributors: int
    benchmark: list[BenchmarkRow] = field(default_factory=list)
    #: Sections other apps add (audits.extensions.dashboard_panels).
    panels: tuple = ()

    @property
    def factor_labels(self) -> list[str]:
        return [Factor(f).label for f in FACTOR_ORDER]

    @property
    def has_profile(self) -> bool:
        return any(p.score is not None for p in self.profile)

    @property
    def benchmark_shown(self) -> bool:
        return bool(self.benchmark)

    @property
    def trend_basis_changes(self) -> list[TrendPoint]:
        return [t for t in self.trend if t.basis_changed]


def dashboard_stamp(council: Council) -> str:
    """Changes whenever what the council's dashboard shows may have changed: an audit of the
    council saved, created or deleted, or the benchmark refreshed (one small query), or what
    another app's panel shows (``extensions.dashboard_stamps``)."""
    return (
        f"{audits_stamp(Audit.objects.filter(council=council))}.{benchmark_generation()}."
        f"{extensions.dashboard_stamps(council)}"
    )


def build_dashboard(council: Council, *, period: str | None = None, service: Service | None = None) -> Dashboard:
    services = list(council.services.order_by("name"))
    # Every period of the council's audits, and whether one of its audits is approved: the
    # dashboard opens on the latest period with an approved audit (a draft started for a
    # later year does not empty it), or the latest period when none is approved yet.
    rows = (
        Audit.objects.filter(council=council)
        .order_by()
        .values("period")
        .annotate(approved=Count("pk", filter=Q(status=AuditStatus.APPROVED)))
    )
    flags = {row["period"]: row["approved"] > 0 for row in rows}
    periods = sorted(flags, reverse=True)
    with_approved = [p for p in periods if flags[p]]
    period = period or (with_approved or periods or [""])[0]
    approved = approved_scope_audits(council, service_id=service.pk if service is not None else None)

    # The profile and heatmap: the latest approved audit of each scope up to the chosen period.
    latest = latest_per_scope(approved, up_to=period)
    made = council_profile(latest.values())
    profile, source = made.profiles, made.source
    if service is not None:
        audit = latest.get(service.pk)
        profile = list(audit.profiles) if audit else scoring.combine_profiles([])
        source = (
            f"the approved audit of {service.name} for {audit.period}"
            if audit
            else f"no approved audit of {service.name} yet"
        )
    heatmap = []
    for s in [service] if service is not None else services:
        audit = latest.get(s.pk)
        cells = tuple(heat_cell(p) for p in audit.profiles) if audit else ()
        heatmap.append(HeatRow(s.name, audit.pk if audit else None, audit.period if audit else "", cells))

    # The trend: one scope's line, up to the chosen period.
    trend = trend_points(approved, service_id=service.pk if service is not None else None, up_to=period)
    trend_chart = charts.trend(
        [t.period for t in trend],
        {f: {t.period: t.scores.get(f) for t in trend} for f in FACTOR_ORDER},
        notes={t.period: f"{t.audits} audit{'s' if t.audits != 1 else ''}" for t in trend},
        changes=[t.period for t in trend if t.basis_changed],
        title=f"CLEAR factor scores of {council.name}, {trend[-1].basis if trend else 'no audits'}, over time",
    )

    # Suggested responses for the profile, from the current bank, with the services where each factor is weak.
    framework_id = (latest[service.pk].framework_id if service is not None and service.pk in latest else None) or (
        made.framework_id if service is None else None
    )
    suggested = interventions.with_interventions(framework_id, scoring.suggested_responses(profile)[:3])
    suggestions = [
        DashboardResponse(item, services_weak_in(latest.values(), item.suggestion.factor) if service is None else ())
        for item in suggested
    ]

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
    contributors, bench = benchmark(council, profile, period) if service is None else (0, [])
    counted = tuple(sorted(a.pk for a in latest.values()))  # the approved audits the profile counts
    return Dashboard(
        council=council,
        period=period,
        periods=periods,
        service=service,
        services=services,
        source=source,
        profile=profile,
        radar=charts.radar(
            charts.Series.of("Council profile" if service is None else service.name, profile),
            title=f"CLEAR profile of {council.name}",
        ),
        heatmap=heatmap,
        trend=trend,
        trend_chart=trend_chart,
        suggestions=suggestions,
        work_in_progress=work_in_progress,
        evidence=evidence,
        benchmark_contributors=contributors,
        benchmark=bench,
        panels=tuple(extensions.dashboard_panels(council, counted)),
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
            rows.append(["trend", t.basis, t.period, Factor(f).label, fmt(t.scores.get(f)), f"{t.audits} audits"])
    for e in d.evidence:
        detail = f"don't know {pct(e.dont_know_share)}; ratings without evidence {pct(e.no_evidence_share)}"
        rows.append(["evidence", "", d.period, e.label, "", detail])
    for status, n in d.work_in_progress.items():
        rows.append(["work in progress", "", d.period, "", "", f"{status}: {n}"])
    rows.extend(row for panel in d.panels for row in panel.csv_rows)
    return rows
