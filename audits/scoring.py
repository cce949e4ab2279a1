"""How a CLEAR profile is computed from answers. Pure functions: no database, no Django models.

Every rule here is written out in docs/scoring.md; change both together.

- A question is rated 1–4 or "don't know". Don't-know is a gap in evidence, never a score.
- A factor's score is the mean of its ratings on a 0–100 scale: (mean − 1) / 3 × 100.
- A factor has a score only when at least half of its questions are rated (MIN_RATED_SHARE).
- Bands: under 25 major barrier, under 50 weakness, under 75 adequate, 75 and over strength.
- Evidence strength: the share of rated answers that cite evidence (notes or links).
- Suggested responses: every factor with a score under 75, weakest first (priority under 50,
  then "to consider"); factors of 75 and over are strengths to keep.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from .factors import FACTOR_ORDER, FACTOR_RESPONSES, Factor

#: A factor needs at least this share of its questions rated (1–4) to get a score.
MIN_RATED_SHARE = 0.5

#: Ratings at or above this, without evidence, are reported as evidence gaps.
HIGH_RATING = 3

#: Ratings at or below this are the reasons behind a suggested response.
LOW_RATING = 2


@dataclass(frozen=True)
class Band:
    key: str
    label: str
    lower: float  # inclusive lower bound on the 0–100 scale


BANDS: tuple[Band, ...] = (
    Band("barrier", "Major barrier", 0),
    Band("weakness", "Weakness", 25),
    Band("adequate", "Adequate", 50),
    Band("strength", "Strength", 75),
)

#: Scores under this are weak: their response is a priority.
WEAK_BELOW = 50.0
#: Scores at or over this are strengths to keep.
STRONG_FROM = 75.0

#: (lower bound on the share of rated answers with evidence, label), checked from the top.
EVIDENCE_STRENGTHS: tuple[tuple[float, str], ...] = (
    (0.8, "strong"),
    (0.5, "moderate"),
    (0.0, "weak"),
)


@dataclass(frozen=True)
class AnswerInput:
    """What scoring needs to know about one answer."""

    code: str
    factor: str
    rating: int | None = None
    dont_know: bool = False
    has_evidence: bool = False
    prompt: str = ""

    def __post_init__(self) -> None:
        if self.rating is not None and not 1 <= self.rating <= 4:
            raise ValueError(f"{self.code}: rating must be 1 to 4, not {self.rating!r}")
        if self.rating is not None and self.dont_know:
            raise ValueError(f"{self.code}: an answer is either rated or don't know, not both")
        if self.factor not in FACTOR_ORDER:
            raise ValueError(f"{self.code}: unknown factor {self.factor!r}")


@dataclass(frozen=True)
class EvidenceGap:
    code: str
    factor: str
    kind: str  # "dont_know" | "no_evidence" | "unanswered"
    prompt: str = ""

    @property
    def label(self) -> str:
        return {
            "dont_know": "Don't know: no evidence either way",
            "no_evidence": "Rated high with no evidence cited",
            "unanswered": "Not answered",
        }[self.kind]


@dataclass(frozen=True)
class FactorProfile:
    factor: str
    total: int
    rated: int
    dont_know: int
    evidenced: int
    score: float | None
    band: Band | None
    evidence_strength: str
    low_answers: tuple[AnswerInput, ...] = field(default=())
    gaps: tuple[EvidenceGap, ...] = field(default=())

    @property
    def label(self) -> str:
        return Factor(self.factor).label

    @property
    def unanswered(self) -> int:
        return self.total - self.rated - self.dont_know

    @property
    def answered_share(self) -> float:
        """Share of questions with a rating or an explicit don't know."""
        return (self.rated + self.dont_know) / self.total if self.total else 0.0

    @property
    def has_score(self) -> bool:
        return self.score is not None


@dataclass(frozen=True)
class Suggestion:
    factor: str
    priority: str  # "priority" (score under 50) or "consider" (50 to under 75)
    profile: FactorProfile
    reasons: tuple[AnswerInput, ...]

    @property
    def response_title(self) -> str:
        return FACTOR_RESPONSES[self.factor]


def score_from_ratings(ratings: Iterable[int]) -> float | None:
    """Mean rating on a 0–100 scale, rounded to one decimal; None for no ratings."""
    values = list(ratings)
    if not values:
        return None
    mean = sum(values) / len(values)
    return round((mean - 1) / 3 * 100, 1)


def shown(score: float) -> int:
    """The whole number a score is shown as, rounding halves up (62.5 shows as 63).
    Bands and suggestions are judged on this number, so what is shown and its band agree."""
    return int(Decimal(str(score)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def band_for(score: float | None) -> Band | None:
    if score is None:
        return None
    if not 0 <= score <= 100:
        raise ValueError(f"score must be 0 to 100, not {score!r}")
    return next(band for band in reversed(BANDS) if shown(score) >= band.lower)


def evidence_strength(rated: int, evidenced: int) -> str:
    """How well a factor's ratings are backed: none, weak, moderate or strong."""
    if rated == 0 or evidenced == 0:
        return "none"
    share = evidenced / rated
    return next(label for lower, label in EVIDENCE_STRENGTHS if share >= lower)


def min_rated_for(total: int) -> int:
    """How many rated questions a factor of ``total`` questions needs for a score."""
    return max(1, math.ceil(total * MIN_RATED_SHARE))


def evidence_gaps(answers: Iterable[AnswerInput]) -> list[EvidenceGap]:
    gaps = []
    for answer in answers:
        if answer.dont_know:
            gaps.append(EvidenceGap(answer.code, answer.factor, "dont_know", answer.prompt))
        elif answer.rating is None:
            gaps.append(EvidenceGap(answer.code, answer.factor, "unanswered", answer.prompt))
        elif answer.rating >= HIGH_RATING and not answer.has_evidence:
            gaps.append(EvidenceGap(answer.code, answer.factor, "no_evidence", answer.prompt))
    return gaps


def factor_profile(factor: str, total: int, answers: Iterable[AnswerInput]) -> FactorProfile:
    """The profile of one factor from its answers. ``total`` counts the factor's questions;
    questions without an answer are passed as AnswerInput with no rating, or left out."""
    answers = [a for a in answers if a.factor == factor]
    if total < len(answers):
        raise ValueError(f"{factor}: {len(answers)} answers for {total} questions")
    rated = [a for a in answers if a.rating is not None]
    score = score_from_ratings(a.rating for a in rated) if len(rated) >= min_rated_for(total) else None
    evidenced = sum(1 for a in rated if a.has_evidence)
    low = tuple(sorted((a for a in rated if a.rating <= LOW_RATING), key=lambda a: (a.rating, a.code)))
    return FactorProfile(
        factor=factor,
        total=total,
        rated=len(rated),
        dont_know=sum(1 for a in answers if a.dont_know),
        evidenced=evidenced,
        score=score,
        band=band_for(score),
        evidence_strength=evidence_strength(len(rated), evidenced),
        low_answers=low,
        gaps=tuple(evidence_gaps(answers)),
    )


def factor_profiles(question_counts: Mapping[str, int], answers: Iterable[AnswerInput]) -> list[FactorProfile]:
    """Profiles of the five factors, in framework order (C, L, E, A, R)."""
    answers = list(answers)
    return [factor_profile(factor, question_counts.get(factor, 0), answers) for factor in FACTOR_ORDER]


def suggested_responses(profiles: Iterable[FactorProfile]) -> list[Suggestion]:
    """The policy responses a profile points to, most urgent first.

    Factors scoring under 75 get their response: under 50 as a priority, 50 to 75 to consider.
    Order: lower score first; on a tie, more answers rated 1, then framework order.
    Factors without a score (too few ratings) get none: their gap is evidence, not policy.
    """
    candidates = [p for p in profiles if p.score is not None and shown(p.score) < STRONG_FROM]

    def order(p: FactorProfile) -> tuple:
        ones = sum(1 for a in p.low_answers if a.rating == 1)
        return (p.score, -ones, FACTOR_ORDER.index(p.factor))

    suggestions = []
    for profile in sorted(candidates, key=order):
        reasons = profile.low_answers
        suggestions.append(
            Suggestion(
                factor=profile.factor,
                priority="priority" if shown(profile.score) < WEAK_BELOW else "consider",
                profile=profile,
                reasons=reasons,
            )
        )
    return suggestions


def strengths(profiles: Iterable[FactorProfile]) -> list[FactorProfile]:
    """Factors scoring 75 or more, strongest first."""
    strong = [p for p in profiles if p.score is not None and shown(p.score) >= STRONG_FROM]
    return sorted(strong, key=lambda p: (-p.score, FACTOR_ORDER.index(p.factor)))


def missing_evidence(profiles: Iterable[FactorProfile]) -> list[FactorProfile]:
    """Factors with too few ratings for a score."""
    return [p for p in profiles if p.score is None]


def combine_profiles(profile_sets: Iterable[Iterable[FactorProfile]]) -> list[FactorProfile]:
    """One profile from several audits' profiles (e.g. a council's services), in framework order.

    A factor's score is the mean of the scores that exist (audits without a score for it are
    left out); counts and evidence are summed. Answer-level detail is not carried over.
    """
    by_factor: dict[str, list[FactorProfile]] = {f: [] for f in FACTOR_ORDER}
    for profiles in profile_sets:
        for p in profiles:
            by_factor[p.factor].append(p)
    combined = []
    for factor, items in by_factor.items():
        scores = [p.score for p in items if p.score is not None]
        score = round(sum(scores) / len(scores), 1) if scores else None
        rated = sum(p.rated for p in items)
        evidenced = sum(p.evidenced for p in items)
        combined.append(
            FactorProfile(
                factor=factor,
                total=sum(p.total for p in items),
                rated=rated,
                dont_know=sum(p.dont_know for p in items),
                evidenced=evidenced,
                score=score,
                band=band_for(score),
                evidence_strength=evidence_strength(rated, evidenced),
            )
        )
    return combined
