"""The anonymised benchmark: the spread of the profiles of councils that opted in.

Like with like: each contributing council's profile is made by the council-profile rule
(audits.council_profile) from its latest approved audit of each scope up to the same period as
the council's own column. It is shown only to councils that opted in and only when at least
BENCHMARK_MINIMUM councils contribute; no council is named and none is ranked. Self-assessments
are not calibrated between councils, and the page says so.
"""

from __future__ import annotations

import statistics
import time
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import F, Window
from django.db.models.functions import RowNumber

from . import scoring
from .council_profile import council_scores
from .factors import FACTOR_ORDER, Factor
from .models import Audit, Council, FactorScore

BENCHMARK_MINIMUM = 5
BENCHMARK_CACHE_KEY = "clearaudit:benchmark-profiles:v2"
BENCHMARK_GENERATION_KEY = "clearaudit:benchmark-generation"


@dataclass(frozen=True)
class BenchmarkRow:
    label: str
    quartiles: tuple[float, float, float] | None
    own: float | None


def benchmark_profiles(period: str) -> dict[int, dict[str, float]]:
    """Each opted-in council's profile up to ``period`` (council-profile rule), by council id.

    One query: the latest approved audit of each scope of each opted-in council up to the
    period (a window over the approved audits), joined to its stored scores; the rule then
    takes the council-wide audit's scores where there is one, else the mean of the services'.
    The same for every dashboard of that period, so it is cached per period for
    BENCHMARK_CACHE_SECONDS; approving an audit and opting in or out clear it (forget_benchmark).
    """
    key = f"{BENCHMARK_CACHE_KEY}:{cache.get(BENCHMARK_GENERATION_KEY, 0)}:{period}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    approved = Audit.objects.approved().filter(council__benchmark_opt_in=True)
    if period:
        approved = approved.filter(period__lte=period)
    latest = approved.annotate(
        newest=Window(RowNumber(), partition_by=[F("council_id"), F("service_id")], order_by=F("period").desc())
    ).filter(newest=1)
    rows = FactorScore.objects.filter(audit_id__in=latest.values("pk"), score__isnull=False).values_list(
        "audit__council_id", "audit__service_id", "factor", "score"
    )
    scopes: dict[int, dict[int | None, dict[str, float]]] = defaultdict(lambda: defaultdict(dict))
    for council_id, service_id, factor, score in rows.order_by():
        scopes[council_id][service_id][factor] = score
    profiles = {
        council_id: council_scores(by_scope.get(None), [s for k, s in by_scope.items() if k is not None])
        for council_id, by_scope in scopes.items()
    }
    cache.set(key, profiles, settings.BENCHMARK_CACHE_SECONDS)
    return profiles


def forget_benchmark() -> None:
    """Make every cached benchmark out of date now and, inside a transaction, again once it
    commits (a request may have cached the old figures in between)."""

    def forget() -> None:
        cache.set(BENCHMARK_GENERATION_KEY, time.time_ns(), None)  # dashboards cached before are out of date

    forget()
    transaction.on_commit(forget)


def benchmark_generation() -> int:
    return cache.get(BENCHMARK_GENERATION_KEY, 0)


def benchmark(council: Council, own: list[scoring.FactorProfile], period: str) -> tuple[int, list[BenchmarkRow]]:
    """(contributing councils, a row per factor) for the council's dashboard; no rows unless the
    council opted in and enough councils contribute."""
    profiles = benchmark_profiles(period)
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
