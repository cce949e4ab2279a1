"""Plain sentences that describe a profile, for the report's summary page. Pure functions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .factors import FACTOR_ORDER
from .scoring import FactorProfile, missing_evidence, shown, strengths, suggested_responses

#: A change of at least this many points between two audits is worth a sentence.
NOTABLE_CHANGE = 5


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def summary_sentences(
    profiles: Sequence[FactorProfile],
    *,
    previous: Mapping[str, float | None] | None = None,
    previous_period: str = "",
) -> list[str]:
    """Three to five sentences: weakest factor and why, strongest, evidence, change, gaps."""
    sentences = []
    suggestions = suggested_responses(profiles)
    if suggestions:
        weakest = suggestions[0]
        p = weakest.profile
        low = len(p.low_answers)
        sentences.append(
            f"The weakest factor is {p.label} ({shown(p.score)} out of 100, {p.band.label.lower()}): "
            f"{low} of its {p.total} questions {'was' if low == 1 else 'were'} rated 1 or 2, "
            f"which points to {weakest.response_title.lower()}."
        )
    strong = strengths(profiles)
    if strong:
        names = ", ".join(f"{p.label} ({shown(p.score)})" for p in strong)
        sentences.append(f"{'The strength to keep is' if len(strong) == 1 else 'Strengths to keep are'} {names}.")
    elif suggestions:
        scored = [p for p in profiles if p.score is not None]
        best = max(scored, key=lambda p: (p.score, -FACTOR_ORDER.index(p.factor)))
        sentences.append(f"No factor reaches the strength band; the highest is {best.label} ({shown(best.score)}).")

    scored = [p for p in profiles if p.score is not None]
    thin = [p for p in scored if p.evidence_strength in ("none", "weak")]
    if thin:
        sentences.append(
            "Evidence is thin for "
            + ", ".join(f"{p.label} ({p.evidenced} of {p.rated} ratings cite evidence)" for p in thin)
            + ": these scores deserve a check before decisions rest on them."
        )
    elif scored:
        sentences.append("Most ratings cite evidence in every scored factor.")

    if previous:
        moves = []
        for p in scored:
            before = previous.get(p.factor)
            if before is not None and abs(p.score - before) >= NOTABLE_CHANGE:
                verb = "rose" if p.score > before else "fell"
                moves.append(f"{p.label} {verb} by {shown(abs(p.score - before))} points")
        if moves:
            sentences.append(f"Since {previous_period or 'the previous audit'}, " + ", ".join(moves) + ".")
        else:
            sentences.append(
                f"No factor moved by {NOTABLE_CHANGE} points or more since {previous_period or 'the previous audit'}."
            )

    missing = missing_evidence(profiles)
    if missing:
        dont_know = sum(p.dont_know for p in profiles)
        sentences.append(
            f"{', '.join(p.label for p in missing)} {'has' if len(missing) == 1 else 'have'} too few ratings for a score"
            + (
                f"; {_count(dont_know, 'answer')} {'is' if dont_know == 1 else 'are'} “don't know”."
                if dont_know
                else "."
            )
        )
    return sentences[:5]
