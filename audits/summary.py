"""Plain sentences that describe a profile, for the report's summary page. Pure functions.

The order is the order of importance: what is weakest (or that nothing stands apart), barriers
a score would hide, what has no score, how far the evidence goes, what to keep, what changed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .scoring import (
    NOTABLE_LEVELS,
    THIN_EVIDENCE,
    WHY,
    EvidenceStrength,
    FactorProfile,
    Suggestion,
    barriers_in_strengths,
    levels_moved,
    lowest_together,
    missing_evidence,
    shown,
    strengths,
    suggested_responses,
    unverified_strengths,
    weakest_factors,
)


def _count(n: int, word: str, plural: str = "") -> str:
    return f"{n} {word if n == 1 else (plural or word + 's')}"


def _and(items: Sequence[str]) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _codes(answers) -> str:
    return _and([a.code for a in answers])


def summary_sentences(
    profiles: Sequence[FactorProfile],
    *,
    previous: Mapping[str, float | None] | None = None,
    previous_period: str = "",
    provisional: bool = False,
) -> list[str]:
    """The profile in plain sentences, most important first.

    ``previous`` holds the previous audit's factor scores (same scope, earlier period);
    ``provisional`` says this audit is not approved, so any change it shows is provisional."""
    sentences = []
    by_factor = {s.factor: s for s in suggested_responses(profiles)}
    scored = [p for p in profiles if p.score is not None]

    weakest = weakest_factors(profiles)
    if len(weakest) == 1:
        p = weakest[0]
        low = len(p.low_answers)
        sentence = (
            f"The weakest factor is {p.label} ({shown(p.score)} out of 100, {p.band.label.lower()}): "
            f"{low} of its {p.total} questions {'was' if low == 1 else 'were'} rated 1 or 2"
        )
        if p.factor in by_factor:
            sentence += f", which points to {by_factor[p.factor].response_title.lower()}"
        sentences.append(sentence + ".")
    elif weakest:
        sentences.append(
            "The weakest factors, within one question-level of each other, are "
            + _and([f"{p.label} ({shown(p.score)})" for p in weakest])
            + "."
        )
    elif len(scored) > 1:
        together, _ = lowest_together(profiles)
        low, high = min(shown(p.score) for p in together), max(shown(p.score) for p in together)
        spread = f"all {low}" if low == high else f"{low} to {high}"
        if len(together) == len(scored):
            sentences.append(
                f"No factor stands apart: the scored factors lie within one question-level of each other ({spread})."
            )
        else:
            sentences.append(
                f"No factor stands apart as weakest: {_and([p.label for p in together])} lie within one "
                f"question-level of each other ({spread})."
            )

    for p in barriers_in_strengths(profiles):
        sentences.append(
            f"{p.label} scores {shown(p.score)}, but {_codes(p.barriers)} "
            f"{'is' if len(p.barriers) == 1 else 'are'} rated 1: a barrier inside a strong factor, "
            f"which points to {by_factor[p.factor].response_title.lower()}."
        )

    unscored = [p for p in missing_evidence(profiles) if p.total]
    plain = [p for p in unscored if not p.dont_know and p.factor not in by_factor]
    if plain:
        sentences.append(
            f"{_and([p.label for p in plain])} {'has' if len(plain) == 1 else 'have'} too few ratings for a score."
        )
    for p in unscored:
        if p in plain:
            continue
        sentence = f"{p.label} has too few ratings for a score"
        if p.dont_know:
            sentence += f" ({p.dont_know} of its {_count(p.total, 'question')} {'is' if p.dont_know == 1 else 'are'} “don't know”)"
        s = by_factor.get(p.factor)
        if s and s.reasons:
            sentence += f", but {_codes(s.reasons)} {'is' if len(s.reasons) == 1 else 'are'} rated 1 or 2: the barriers found point to {s.response_title.lower()}"
        elif s:
            sentence += f": not knowing is itself a finding, which points to {s.response_title.lower()}"
        sentences.append(sentence + ".")

    for p in scored:
        s = by_factor.get(p.factor)
        if s is not None and s.unknowns:
            sentences.append(
                f"{p.label}: {p.dont_know} of its {_count(p.total, 'question')} are “don't know”; not knowing "
                f"is itself a finding, which points to {s.response_title.lower()}."
            )

    thin = [p for p in scored if p.evidence_strength in THIN_EVIDENCE]
    unverified = unverified_strengths(profiles)
    if thin:
        sentences.append(
            "Evidence is thin for "
            + _and([f"{p.label} ({p.evidenced} of {p.rated} ratings cite evidence)" for p in thin])
            + ": these scores deserve a check before decisions rest on them"
            + (
                f"; {_and([f'{p.label} ({shown(p.score)})' for p in unverified])} "
                f"{'reads' if len(unverified) == 1 else 'read'} as {'a strength' if len(unverified) == 1 else 'strengths'} "
                "only on that thin evidence (an unverified strength)."
                if unverified
                else "."
            )
        )
    elif scored and all(p.evidence_strength == EvidenceStrength.STRONG for p in scored):
        sentences.append("In every scored factor, at least four in five ratings cite evidence.")
    elif scored:
        moderate = [p for p in scored if p.evidence_strength == EvidenceStrength.MODERATE]
        sentences.append(
            "Evidence is moderate for "
            + _and([f"{p.label} ({p.evidenced} of {p.rated} ratings cite evidence)" for p in moderate])
            + "."
        )

    strong = strengths(profiles)
    if strong:
        names = _and(
            [
                f"{p.label} ({shown(p.score)}"
                + (
                    f", provisional: {p.dont_know} of its {p.total} questions are “don't know”)"
                    if p.many_dont_know
                    else ")"
                )
                for p in strong
            ]
        )
        sentences.append(f"{'The strength to keep is' if len(strong) == 1 else 'Strengths to keep are'} {names}.")

    if previous:
        since = previous_period or "the previous audit"
        moves = []
        for p in scored:
            before = previous.get(p.factor)
            if before is None:
                continue
            levels = levels_moved(before, p.score, p.rated)
            if abs(levels) >= NOTABLE_LEVELS:
                moves.append(f"{p.label} {'rose' if levels > 0 else 'fell'} by {abs(levels)} question-levels")
        caveat = " (provisional: this audit is not yet approved)" if provisional else ""
        if moves:
            sentences.append(f"Since {since}{caveat}, " + _and(moves) + ".")
        else:
            sentences.append(f"No factor moved by {NOTABLE_LEVELS} question-levels or more since {since}{caveat}.")
    return sentences


def suggestion_reason(s: Suggestion) -> str:
    """Why a response is suggested, in one sentence starting "Because": the factor's score and
    band (provisional when it is), and the weak questions or unknowns behind it."""
    p = s.profile
    if p.score is not None:
        state = f"scores {shown(p.score)} ({p.band.label.lower()}{', provisional' if p.provisional else ''})"
    else:
        state = "has too few ratings for a score"
    barriers = p.barriers
    if s.why == WHY["barrier_in_strength"]:
        detail = f", but {_codes(barriers)} {'is' if len(barriers) == 1 else 'are'} rated 1: a barrier inside a strong factor"
    elif s.reasons:
        n = len({a.code for a in s.reasons})  # a combined profile may hold a question from several audits
        detail = f"{', but' if p.score is None else ', and'} {_count(n, 'question')} {'is' if n == 1 else 'are'} rated 1 or 2"
    elif s.unknowns:
        n = len(s.unknowns)
        detail = f": {n} of its {p.total} questions are “don't know”, and not knowing is itself a finding"
    else:
        detail = ""
    return f"Because {p.label} {state}{detail}."
