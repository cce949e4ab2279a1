"""A council's profile and its parts, by one rule for the dashboard and the council-wide report.

- The latest approved audit of each scope (the whole council, each service), up to a period.
- The council's profile: its latest approved council-wide audit where there is one, otherwise
  the mean of its services' latest approved audits (scoring.combine_profiles, which carries
  every service's questions rated 1 or 2, so that a barrier is not averaged away).
- A heat cell shows a factor's score with its judged band (a barrier inside a strong factor
  is not painted as a strength).
- The services where a factor is weak: its score under 50, shown as the cells show it.
- The trend follows one scope: the council-wide audits, else the mean of the services (the
  number of services behind each point, and a change of that basis, said on the chart), or one
  chosen service.

Profiles come from the stored factor scores (two queries, whatever the number of audits).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from . import charts, scoring
from .factors import FACTOR_ORDER
from .models import Audit, Council, FactorScore


@dataclass(frozen=True)
class ScopeAudit:
    """An approved audit of one scope, with its factor profiles."""

    pk: int
    service_id: int | None
    service: str  # "" for the council-wide audit
    period: str
    framework_id: int
    profiles: tuple[scoring.FactorProfile, ...]


@dataclass(frozen=True)
class CouncilProfile:
    profiles: list[scoring.FactorProfile]
    source: str  # how it was made, e.g. "the council-wide audit of 2026/27"
    audits: int  # how many audits are behind it
    council_wide: bool
    framework_id: int | None  # the bank whose responses it is read with: the council-wide audit's, else the newest


@dataclass(frozen=True)
class HeatCell:
    score: float | None
    band_key: str | None
    band_label: str
    background: str
    colour: str


def stored_profile(row: dict) -> scoring.FactorProfile:
    """A factor profile from a stored FactorScore row (values), judged by the same rule as one
    made from answers: its stored questions rated 1 or 2 are its weak answers."""
    weak = [
        scoring.AnswerInput(code=code, factor=row["factor"], rating=rating)
        for code, rating in sorted((row["weak_ratings"] or {}).items())
    ]
    return scoring.profile_from_counts(
        factor=row["factor"],
        total=row["total"],
        rated=row["answered"],
        dont_know=row["dont_know"],
        evidenced=row["evidenced"],
        score=row["score"],
        low_answers=weak,
    )


STORED_FIELDS = ("audit_id", "factor", "score", "answered", "dont_know", "total", "evidenced", "weak_ratings")


def approved_scope_audits(council: Council, *, service_id: int | None = None) -> list[ScopeAudit]:
    """The council's approved audits (current revisions), each with its stored profile: two queries."""
    audits = Audit.objects.approved().filter(council=council)
    if service_id is not None:
        audits = audits.filter(service_id=service_id)
    rows = list(audits.order_by().values("pk", "service_id", "service__name", "period", "framework_id"))
    stored: dict[int, list[scoring.FactorProfile]] = defaultdict(list)
    for row in FactorScore.objects.filter(audit_id__in=[a["pk"] for a in rows]).values(*STORED_FIELDS):
        stored[row["audit_id"]].append(stored_profile(row))
    return [
        ScopeAudit(
            pk=a["pk"],
            service_id=a["service_id"],
            service=a["service__name"] or "",
            period=a["period"],
            framework_id=a["framework_id"],
            profiles=tuple(sorted(stored[a["pk"]], key=lambda p: FACTOR_ORDER.index(p.factor))),
        )
        for a in rows
    ]


def latest_per_scope(audits: Iterable[ScopeAudit], *, up_to: str = "") -> dict[int | None, ScopeAudit]:
    """The latest audit of each scope (None: the council-wide one), for periods up to ``up_to``."""
    latest: dict[int | None, ScopeAudit] = {}
    for a in sorted(audits, key=lambda a: (a.period, a.pk)):
        if not up_to or a.period <= up_to:
            latest[a.service_id] = a
    return latest


def latest_approved_audits(council: Council) -> list[Audit]:
    """The latest approved audit of each scope, as Audit rows with their service (two queries):
    the same choice as latest_per_scope, for the council-wide report and its bundle."""
    rows = Audit.objects.approved().filter(council=council).order_by().values("pk", "service_id", "period")
    latest = latest_per_scope(ScopeAudit(r["pk"], r["service_id"], "", r["period"], 0, ()) for r in rows)
    return list(Audit.objects.filter(pk__in=[a.pk for a in latest.values()]).select_related("service").order_by("pk"))


def _services(n: int) -> str:
    return f"{n} service{'' if n == 1 else 's'}"


def council_profile(latest: Iterable[ScopeAudit]) -> CouncilProfile:
    """The council's profile from the latest audit of each scope (see the module's rule)."""
    latest = list(latest)
    whole = [a for a in latest if a.service_id is None]
    if whole:
        audit = max(whole, key=lambda a: a.period)
        return CouncilProfile(
            list(audit.profiles), f"the council-wide audit of {audit.period}", 1, True, audit.framework_id
        )
    services = [a for a in latest if a.service_id is not None]
    if not services:
        return CouncilProfile(scoring.combine_profiles([]), "no approved audit yet", 0, False, None)
    return CouncilProfile(
        scoring.combine_profiles([a.profiles for a in services]),
        f"the mean of the latest approved audits of {_services(len(services))}",
        len(services),
        False,
        max(a.framework_id for a in services),
    )


def council_scores(whole: Mapping[str, float] | None, services: Iterable[Mapping[str, float]]) -> dict[str, float]:
    """The council-profile rule on scores alone (the benchmark reads no more): the council-wide
    audit's scores where there is one, else each factor's mean over the services that scored it,
    to one decimal as scoring.combine_profiles gives it."""
    if whole is not None:
        return dict(whole)
    by_factor: dict[str, list[float]] = defaultdict(list)
    for scores in services:
        for factor, score in scores.items():
            by_factor[factor].append(score)
    return {f: round(sum(v) / len(v), 1) for f, v in by_factor.items()}


def heat_cell(profile: scoring.FactorProfile | None) -> HeatCell:
    """A factor's cell: its score and its judged band, in the band's colours."""
    band = profile.band if profile is not None else None
    background, colour = charts.band_colours(band.key if band else None)
    return HeatCell(
        profile.score if profile is not None else None,
        band.key if band else None,
        band.label if band else "No score",
        background,
        colour,
    )


def weak_services(audits: Iterable[ScopeAudit], factor: str) -> tuple[str, ...]:
    """The services whose factor scores under 50, by name, with the score as cells show it."""
    found = []
    for a in sorted((a for a in audits if a.service_id is not None), key=lambda a: a.service):
        p = next((p for p in a.profiles if p.factor == factor), None)
        if p is not None and p.score is not None and scoring.shown(p.score) < scoring.WEAK_BELOW:
            found.append(f"{a.service} ({scoring.shown(p.score)})")
    return tuple(found)


@dataclass(frozen=True)
class TrendPoint:
    period: str
    scores: dict[str, float | None]
    audits: int  # audits behind the point
    basis: str  # e.g. "council-wide audit", "mean of 3 services", "Parks"
    basis_changed: bool  # the point rests on other audits' scopes than the one before


def trend_points(audits: Iterable[ScopeAudit], *, service_id: int | None = None, up_to: str = "") -> list[TrendPoint]:
    """One line, one scope: the chosen service's audits; else the council-wide audits where the
    council has any; else, period by period, the mean of the services audited that period."""
    audits = [a for a in audits if not up_to or a.period <= up_to]
    if service_id is not None:
        scoped = [a for a in audits if a.service_id == service_id]
        kind = "service"
    elif any(a.service_id is None for a in audits):
        scoped = [a for a in audits if a.service_id is None]
        kind = "council"
    else:
        scoped = audits
        kind = "services"
    by_period: dict[str, list[ScopeAudit]] = defaultdict(list)
    for a in scoped:
        by_period[a.period].append(a)
    points, before = [], None
    for period in sorted(by_period):
        group = by_period[period]
        if kind == "services":
            profiles = scoring.combine_profiles([a.profiles for a in group])
            basis = f"mean of {_services(len(group))}"
            scopes = frozenset(a.service_id for a in group)
        else:
            profiles = list(group[-1].profiles)
            basis = "council-wide audit" if kind == "council" else group[-1].service
            scopes = frozenset([group[-1].service_id])
        points.append(
            TrendPoint(
                period,
                {p.factor: p.score for p in profiles},
                len(group),
                basis,
                before is not None and scopes != before,
            )
        )
        before = scopes
    return points
