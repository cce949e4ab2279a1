"""How a CLEAR profile is computed from answers, and which responses it points to. Pure
functions: no database, no Django models.

Every rule here is written out in docs/scoring.md (printed in every report); change both together.

- A question is rated 1–4 or "don't know". Don't-know is a gap in evidence, never a score.
- A factor's score is the mean of its ratings on a 0–100 scale: (mean − 1) / 3 × 100.
- A factor has a score only when at least half of its questions are rated (MIN_RATED_SHARE).
- Bands come from one table (BANDS). A factor with a question rated 1 is never a plain
  strength ("barrier inside a strong factor"); a strength resting on weak or no evidence is
  an "unverified strength".
- A band is provisional when more than a quarter of the factor's questions are "don't know",
  or when the audit is not approved.
- An answer cites evidence when it has a link, or a note that says something (``note_is_evidence``).
- Responses follow the weak questions (rated 1 or 2), never a score alone: see suggested_responses.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db import models

from .factors import FACTOR_ORDER, FACTOR_RESPONSES, Factor

#: A factor needs at least this share of its questions rated (1–4) to get a score.
MIN_RATED_SHARE = 0.5

#: A factor with more than this share of its questions "don't know" has a provisional band.
PROVISIONAL_DONT_KNOW_SHARE = 0.25

#: Ratings at or above this, without evidence or with low confidence, are evidence gaps.
HIGH_RATING = 3

#: Ratings at or below this are weak questions: the reasons behind a suggested response.
LOW_RATING = 2

#: A question rated this is a major barrier: it always brings its factor's response.
BARRIER_RATING = 1

#: Factors about the council's own practice: not knowing the answer is itself a finding.
OWN_PRACTICE_FACTORS = (Factor.ASKED_TO.value, Factor.RESPONDED_TO.value)
#: ... when at least this share of such a factor's questions are "don't know".
UNKNOWN_FINDING_SHARE = 0.5

#: A change between two audits is worth a sentence from this many question-levels.
NOTABLE_LEVELS = 2


@dataclass(frozen=True)
class Band:
    key: str
    label: str
    lower: float  # inclusive lower bound on the 0–100 scale


#: The one table of band thresholds: everything else (priority, strengths, cells) reads it.
BANDS: tuple[Band, ...] = (
    Band("barrier", "Major barrier", 0),
    Band("weakness", "Weakness", 25),
    Band("adequate", "Adequate", 50),
    Band("strength", "Strength", 75),
)
_BAND = {band.key: band for band in BANDS}

#: A factor scoring in the strength band with a question rated 1.
STRENGTH_WITH_BARRIER = Band("strength_barrier", "Barrier inside a strong factor", _BAND["strength"].lower)
#: A factor scoring in the strength band whose ratings rest on weak or no evidence.
UNVERIFIED_STRENGTH = Band("strength_unverified", "Unverified strength", _BAND["strength"].lower)

#: Scores under this are weak: their response is a priority.
WEAK_BELOW = _BAND["adequate"].lower
#: Scores at or over this are in the strength band.
STRONG_FROM = _BAND["strength"].lower


class EvidenceStrength(models.TextChoices):
    """The one vocabulary for how well a factor's ratings are backed."""

    NONE = "none", "None"
    WEAK = "weak", "Weak"
    MODERATE = "moderate", "Moderate"
    STRONG = "strong", "Strong"


#: (lower bound on the share of rated answers with evidence, strength), checked from the top.
EVIDENCE_STRENGTHS: tuple[tuple[float, str], ...] = (
    (0.8, EvidenceStrength.STRONG),
    (0.5, EvidenceStrength.MODERATE),
    (0.0, EvidenceStrength.WEAK),
)
#: Strengths resting on these are unverified.
THIN_EVIDENCE = (EvidenceStrength.NONE.value, EvidenceStrength.WEAK.value)

#: Words that hold a place rather than cite anything ("tbc", "see Jo", "to be confirmed").
PLACEHOLDER_WORDS = frozenset(
    [
        "tbc",
        "tbd",
        "tba",
        "todo",
        "to",
        "be",
        "confirmed",
        "done",
        "see",
        "ask",
        "check",
        "pending",
        "awaiting",
        "waiting",
        "na",
        "n",
        "a",
        "none",
        "nil",
        "xxx",
        "etc",
        "sure",
        "yet",
        "later",
        "will",
        "add",
        "unknown",
        "maybe",
        "follow",
        "up",
    ]
)
#: A note cites evidence when, leaving placeholder words aside, it has this many words…
EVIDENCE_NOTE_WORDS = 2
#: … and this many letters or digits.
EVIDENCE_NOTE_CHARACTERS = 10

_WORD = re.compile(r"\w+")


def note_is_evidence(note: str) -> bool:
    """Whether an evidence note says something: at least EVIDENCE_NOTE_WORDS words and
    EVIDENCE_NOTE_CHARACTERS letters or digits once placeholder words are left aside.
    "tbc", "see Jo", "will add later" and "to be confirmed" do not; "Census 2021" does."""
    words = [w for w in _WORD.findall(note.casefold().replace("_", " ")) if w not in PLACEHOLDER_WORDS]
    return len(words) >= EVIDENCE_NOTE_WORDS and sum(len(w) for w in words) >= EVIDENCE_NOTE_CHARACTERS


def cites_evidence(notes: str, links: Iterable[str]) -> bool:
    """An answer cites evidence when it has a link (always), or a note that says something."""
    return any(link.strip() for link in links) or note_is_evidence(notes)


@dataclass(frozen=True)
class AnswerInput:
    """What scoring needs to know about one answer."""

    code: str
    factor: str
    rating: int | None = None
    dont_know: bool = False
    has_evidence: bool = False
    prompt: str = ""
    confidence: str = ""  # "low" | "medium" | "high" | ""
    theme: str = ""

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
    kind: str  # "dont_know" | "no_evidence" | "low_confidence" | "unanswered"
    prompt: str = ""

    LABELS = {
        "dont_know": "Don't know: no evidence either way",
        "no_evidence": "Rated high with no evidence cited",
        "low_confidence": "Rated high with low confidence",
        "unanswered": "Not answered",
    }

    @property
    def label(self) -> str:
        return self.LABELS[self.kind]


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
    provisional: bool = False
    audits: int = 1  # audits combined into this profile (combine_profiles): counts are their sums

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
    def dont_know_share(self) -> float:
        return self.dont_know / self.total if self.total else 0.0

    @property
    def has_score(self) -> bool:
        return self.score is not None

    @property
    def barriers(self) -> tuple[AnswerInput, ...]:
        """The factor's questions rated 1 (major barriers)."""
        return tuple(a for a in self.low_answers if a.rating == BARRIER_RATING)

    @property
    def question_level(self) -> float | None:
        """How many points one rated question moving one level moves the score (of one audit:
        for a combined profile, of its audits' mean number of rated questions)."""
        return question_level(self.rated / self.audits) if self.rated else None

    @property
    def many_dont_know(self) -> bool:
        """More than a quarter of the questions are "don't know": the band is provisional."""
        return self.dont_know_share > PROVISIONAL_DONT_KNOW_SHARE

    @property
    def unknown_is_finding(self) -> bool:
        """Asked to or Responded to with at least half its questions "don't know": a council
        that does not know whether it invites or answers people has a problem there."""
        return self.factor in OWN_PRACTICE_FACTORS and self.total > 0 and self.dont_know_share >= UNKNOWN_FINDING_SHARE

    @property
    def is_verified_strength(self) -> bool:
        return self.band is not None and self.band.key == "strength"


@dataclass(frozen=True)
class Suggestion:
    """A policy response a profile points to, with the answers behind it."""

    factor: str
    priority: str  # "priority" or "consider"
    profile: FactorProfile
    reasons: tuple[AnswerInput, ...]  # the factor's questions rated 1 or 2, barriers first
    unknowns: tuple[EvidenceGap, ...] = ()  # "don't know" answers, when not knowing is the finding
    why: str = ""

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


def question_level(rated: float) -> float:
    """Points on the 0–100 scale that one of ``rated`` ratings moving one level is worth."""
    return 100 / (3 * rated)


def levels_moved(before: float, after: float, rated: int) -> int:
    """A change of score as the number of question-levels it amounts to (net, signed): a
    factor's score moves by one question-level when one of its rated questions moves one level."""
    return round((after - before) / question_level(rated)) if rated else 0


def shown(score: float) -> int:
    """The whole number a score is shown as, rounding halves up (62.5 shows as 63).
    Bands and suggestions are judged on this number, so what is shown and its band agree."""
    return int(Decimal(str(score)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def band_for(score: float | None) -> Band | None:
    """The band of a score alone (BANDS). A factor's band also weighs its barriers and
    evidence: see judge_band."""
    if score is None:
        return None
    if not 0 <= score <= 100:
        raise ValueError(f"score must be 0 to 100, not {score!r}")
    return next(band for band in reversed(BANDS) if shown(score) >= band.lower)


def judge_band(score: float | None, *, barriers: int, evidence_strength: str) -> Band | None:
    """A factor's band: its score's band, except that a strength with a question rated 1 is a
    "barrier inside a strong factor", and a strength on weak or no evidence is "unverified"."""
    band = band_for(score)
    if band is not None and band.key == "strength":
        if barriers:
            return STRENGTH_WITH_BARRIER
        if evidence_strength in THIN_EVIDENCE:
            return UNVERIFIED_STRENGTH
    return band


def evidence_strength(rated: int, evidenced: int) -> str:
    """How well a factor's ratings are backed: none, weak, moderate or strong."""
    if rated == 0 or evidenced == 0:
        return EvidenceStrength.NONE.value
    share = evidenced / rated
    return next(strength.value for lower, strength in EVIDENCE_STRENGTHS if share >= lower)


def min_rated_for(total: int) -> int:
    """How many rated questions a factor of ``total`` questions needs for a score."""
    return max(1, math.ceil(total * MIN_RATED_SHARE))


def is_provisional(*, total: int, dont_know: int, approved: bool = True) -> bool:
    """Whether a factor's band is provisional: the audit is not approved, or more than a
    quarter of the factor's questions are "don't know"."""
    return not approved or (total > 0 and dont_know / total > PROVISIONAL_DONT_KNOW_SHARE)


def evidence_gaps(answers: Iterable[AnswerInput]) -> list[EvidenceGap]:
    gaps = []
    for answer in answers:
        if answer.dont_know:
            gaps.append(EvidenceGap(answer.code, answer.factor, "dont_know", answer.prompt))
        elif answer.rating is None:
            gaps.append(EvidenceGap(answer.code, answer.factor, "unanswered", answer.prompt))
        elif answer.rating >= HIGH_RATING:
            if not answer.has_evidence:
                gaps.append(EvidenceGap(answer.code, answer.factor, "no_evidence", answer.prompt))
            if answer.confidence == "low":
                gaps.append(EvidenceGap(answer.code, answer.factor, "low_confidence", answer.prompt))
    return gaps


def _weak_first(answers: Iterable[AnswerInput]) -> tuple[AnswerInput, ...]:
    return tuple(sorted(answers, key=lambda a: (a.rating, a.code)))


def profile_from_counts(
    *,
    audits: int = 1,
    factor: str,
    total: int,
    rated: int,
    dont_know: int,
    evidenced: int,
    score: float | None,
    low_answers: Iterable[AnswerInput] = (),
    provisional: bool = False,
    gaps: Iterable[EvidenceGap] = (),
) -> FactorProfile:
    """A factor's profile from counts (stored scores, or sums over audits) and its questions
    rated 1 or 2, with its band judged by the same rule as a profile made from answers."""
    low = _weak_first(a for a in low_answers if a.rating is not None and a.rating <= LOW_RATING)
    strength = evidence_strength(rated, evidenced)
    return FactorProfile(
        factor=factor,
        total=total,
        rated=rated,
        dont_know=dont_know,
        evidenced=evidenced,
        score=score,
        band=judge_band(score, barriers=sum(1 for a in low if a.rating == BARRIER_RATING), evidence_strength=strength),
        evidence_strength=strength,
        low_answers=low,
        gaps=tuple(gaps),
        provisional=provisional or is_provisional(total=total, dont_know=dont_know),
        audits=audits,
    )


def factor_profile(factor: str, total: int, answers: Iterable[AnswerInput], *, approved: bool = True) -> FactorProfile:
    """The profile of one factor from its answers. ``total`` counts the factor's questions;
    questions without an answer are passed as AnswerInput with no rating, or left out.
    ``approved`` is False for a draft, submitted or returned audit: every band is provisional."""
    answers = [a for a in answers if a.factor == factor]
    if total < len(answers):
        raise ValueError(f"{factor}: {len(answers)} answers for {total} questions")
    rated = [a for a in answers if a.rating is not None]
    dont_know = sum(1 for a in answers if a.dont_know)
    return profile_from_counts(
        factor=factor,
        total=total,
        rated=len(rated),
        dont_know=dont_know,
        evidenced=sum(1 for a in rated if a.has_evidence),
        score=score_from_ratings(a.rating for a in rated) if len(rated) >= min_rated_for(total) else None,
        low_answers=rated,
        provisional=is_provisional(total=total, dont_know=dont_know, approved=approved),
        gaps=evidence_gaps(answers),
    )


def factor_profiles(
    question_counts: Mapping[str, int], answers: Iterable[AnswerInput], *, approved: bool = True
) -> list[FactorProfile]:
    """Profiles of the five factors, in framework order (C, L, E, A, R)."""
    answers = list(answers)
    return [
        factor_profile(factor, question_counts.get(factor, 0), answers, approved=approved) for factor in FACTOR_ORDER
    ]


#: Why each kind of suggestion was made, in words for reports.
WHY = {
    "low_score": "scores under 50",
    "weak_questions": "questions rated 1 or 2",
    "barrier_in_strength": "a barrier inside a strong factor",
    "unscored_barriers": "questions rated 1 or 2, though too few ratings for a score",
    "unknown": "at least half its questions are “don't know”, and not knowing is itself a finding",
}


def _suggestion_for(p: FactorProfile) -> Suggestion | None:
    low, ones = p.low_answers, len(p.barriers)
    unknowns = tuple(g for g in p.gaps if g.kind == "dont_know") if p.unknown_is_finding else ()
    if p.score is not None and shown(p.score) < WEAK_BELOW:
        priority, why = "priority", "low_score"
    elif p.score is not None and shown(p.score) < STRONG_FROM and low:
        priority, why = "consider", "weak_questions"
    elif p.score is not None and shown(p.score) >= STRONG_FROM and ones:
        priority, why = "consider", "barrier_in_strength"
    elif p.score is None and low:
        priority, why = ("priority" if ones else "consider"), "unscored_barriers"
    elif p.unknown_is_finding:
        priority, why = "consider", "unknown"
    else:
        return None
    reasons = low if why != "barrier_in_strength" else p.barriers + tuple(a for a in low if a.rating != 1)
    return Suggestion(p.factor, priority, p, reasons, unknowns, WHY[why])


def suggested_responses(profiles: Iterable[FactorProfile]) -> list[Suggestion]:
    """The policy responses a profile points to, most urgent first. No response without a
    weak question (rated 1 or 2), and every question rated 1 brings its factor's response:

    - score under 50: a priority;
    - score 50 to under 75: to consider, when at least one question is rated 1 or 2;
    - score 75 or more: to consider when a question is rated 1 (a barrier inside a strong factor);
    - no score (too few ratings): a priority when a question is rated 1, to consider when one is
      rated 2; and for Asked to and Responded to, to consider when at least half the questions
      are "don't know" (a council that does not know whether people hear back has a problem).

    Order: priorities first; within each, scored factors by lower score, then unscored ones; on
    a tie, more questions rated 1, then framework order.
    """
    suggestions = [s for p in profiles if (s := _suggestion_for(p)) is not None]

    def order(s: Suggestion) -> tuple:
        p = s.profile
        return (
            s.priority != "priority",
            p.score is None,
            p.score or 0,
            -len(p.barriers),
            FACTOR_ORDER.index(p.factor),
        )

    return sorted(suggestions, key=order)


def lowest_together(profiles: Iterable[FactorProfile]) -> tuple[list[FactorProfile], int]:
    """(The lowest scored factor with every other within one question-level of it, lowest
    first; the number of scored factors). Scores are kept to one decimal place, so a tenth of a
    point is allowed for the rounding of both ends."""
    scored = sorted((p for p in profiles if p.score is not None), key=lambda p: (p.score, FACTOR_ORDER.index(p.factor)))
    if not scored:
        return [], 0
    reach = scored[0].score + scored[0].question_level + 0.1
    return [p for p in scored if p.score <= reach], len(scored)


def weakest_factors(profiles: Iterable[FactorProfile]) -> list[FactorProfile]:
    """The scored factors that stand apart as weakest: those lowest together (lowest_together),
    when they are at most half of the scored factors. Empty otherwise (no factor stands apart:
    e.g. every factor within one question-level, or four level at 67 below one at 86), or when
    fewer than two have a score."""
    group, scored = lowest_together(profiles)
    # Standing apart is for a few: when most factors are that low together, none is "the weakest".
    return group if scored >= 2 and len(group) <= scored // 2 else []


def strengths(profiles: Iterable[FactorProfile]) -> list[FactorProfile]:
    """Verified strengths to keep (strength band, no question rated 1, evidence at least
    moderate, and not half "don't know" where not knowing is a finding), strongest first."""
    strong = [p for p in profiles if p.is_verified_strength and not p.unknown_is_finding]
    return sorted(strong, key=lambda p: (-p.score, FACTOR_ORDER.index(p.factor)))


def unverified_strengths(profiles: Iterable[FactorProfile]) -> list[FactorProfile]:
    """Factors in the strength band whose ratings rest on weak or no evidence."""
    return [p for p in profiles if p.band is not None and p.band.key == UNVERIFIED_STRENGTH.key]


def barriers_in_strengths(profiles: Iterable[FactorProfile]) -> list[FactorProfile]:
    """Factors in the strength band with a question rated 1."""
    return [p for p in profiles if p.band is not None and p.band.key == STRENGTH_WITH_BARRIER.key]


def missing_evidence(profiles: Iterable[FactorProfile]) -> list[FactorProfile]:
    """Factors with too few ratings for a score."""
    return [p for p in profiles if p.score is None]


def combine_profiles(profile_sets: Iterable[Iterable[FactorProfile]]) -> list[FactorProfile]:
    """One profile from several audits' profiles (e.g. a council's services), in framework order.

    A factor's score is the mean of the scores that exist (audits without a score for it are
    left out); counts and evidence are summed, and every part's questions rated 1 or 2 are
    carried over (so a barrier in one service is not averaged away). Provisional when any part is.
    """
    by_factor: dict[str, list[FactorProfile]] = {f: [] for f in FACTOR_ORDER}
    for profiles in profile_sets:
        for p in profiles:
            by_factor[p.factor].append(p)
    combined = []
    for factor, items in by_factor.items():
        scores = [p.score for p in items if p.score is not None]
        combined.append(
            profile_from_counts(
                audits=max(1, sum(p.audits for p in items)),
                factor=factor,
                total=sum(p.total for p in items),
                rated=sum(p.rated for p in items),
                dont_know=sum(p.dont_know for p in items),
                evidenced=sum(p.evidenced for p in items),
                score=round(sum(scores) / len(scores), 1) if scores else None,
                low_answers=[a for p in items for a in p.low_answers],
                provisional=any(p.provisional for p in items),
            )
        )
    return combined
