"""The findings of the diagnosis review (../shared/diagnosis-review.md), one test each, on the
real CLEAR 2026.1 question counts (7/6/6/7/8). Pure functions: no database."""

import pytest

from audits import scoring
from audits.factors import FACTOR_ORDER
from audits.models import Answer
from audits.scoring import AnswerInput
from audits.summary import summary_sentences

COUNTS = {"can_do": 7, "like_to": 6, "enabled_to": 6, "asked_to": 7, "responded_to": 8}
PREFIX = {"can_do": "CD", "like_to": "LT", "enabled_to": "ET", "asked_to": "AT", "responded_to": "RT"}


def answers(factor, *ratings, evidence=True, confidence=""):
    """An int is a rating, "dk" is don't know; codes follow the bank (CD1, CD2…)."""
    out = []
    for i, r in enumerate(ratings, start=1):
        code = f"{PREFIX[factor]}{i}"
        if r == "dk":
            out.append(AnswerInput(code, factor, dont_know=True))
        else:
            out.append(AnswerInput(code, factor, rating=r, has_evidence=evidence, confidence=confidence))
    return out


def profile(approved=True, evidence=True, **by_factor):
    """Every factor not given is rated 3 throughout (adequate, nothing weak)."""
    items = []
    for factor in FACTOR_ORDER:
        items += answers(factor, *by_factor.get(factor, [3] * COUNTS[factor]), evidence=evidence)
    return scoring.factor_profiles(COUNTS, items, approved=approved)


def by_factor(profiles):
    return {p.factor: p for p in profiles}


def suggestion(profiles, factor):
    return next((s for s in scoring.suggested_responses(profiles) if s.factor == factor), None)


@pytest.mark.parametrize(
    ("factor", "ratings", "barrier"),
    [("can_do", [4, 4, 4, 4, 1, 4, 4], "CD5"), ("responded_to", [4, 4, 4, 1, 4, 4, 4, 4], "RT4")],
    ids=["1-can-do-86", "2-responded-to-88"],
)
def test_1_2_a_question_rated_1_is_never_averaged_away(factor, ratings, barrier):
    profiles = profile(**{factor: ratings})
    p = by_factor(profiles)[factor]
    assert scoring.shown(p.score) >= 75  # the score alone is in the strength band...
    assert p.band.label == "Barrier inside a strong factor"  # ...but the factor is not banded a strength
    s = suggestion(profiles, factor)
    assert s is not None and s.priority == "consider"
    assert [a.code for a in s.reasons] == [barrier]
    assert p not in scoring.strengths(profiles)
    text = " ".join(summary_sentences(profiles))
    assert "Strength" not in text.split(barrier)[0].split("to keep")[-1]
    assert f"{barrier} is rated 1: a barrier inside a strong factor" in text
    assert "Strengths to keep" not in text and "strength to keep" not in text


def test_3_all_threes_suggest_nothing_and_name_no_weakest_factor():
    profiles = profile()
    assert scoring.suggested_responses(profiles) == []
    assert scoring.weakest_factors(profiles) == []
    text = " ".join(summary_sentences(profiles))
    assert "weakest" not in text
    assert "No factor stands apart" in text


def test_3_a_factor_within_one_question_level_of_the_rest_does_not_stand_apart():
    # Can do 3,3,3,3,3,3,2 is 61.9; the others 66.7: one of its questions one level apart.
    profiles = profile(can_do=[3, 3, 3, 3, 3, 3, 2])
    assert scoring.weakest_factors(profiles) == []
    # Two questions a level lower (57.1) stand apart.
    profiles = profile(can_do=[3, 3, 3, 3, 3, 2, 2])
    assert [p.factor for p in scoring.weakest_factors(profiles)] == ["can_do"]
    assert "The weakest factor is Can do" in summary_sentences(profiles)[0]


def test_4_barriers_in_an_unscored_factor_still_bring_its_response():
    profiles = profile(responded_to=[1, 1, 1, "dk", "dk", "dk", "dk", "dk"])
    p = by_factor(profiles)["responded_to"]
    assert p.score is None
    s = suggestion(profiles, "responded_to")
    assert s is not None and s.priority == "priority"
    assert [a.code for a in s.reasons] == ["RT1", "RT2", "RT3"]
    text = " ".join(summary_sentences(profiles))
    assert "RT1, RT2 and RT3 are rated 1 or 2" in text
    assert "weakest factor is Can do" not in text


def test_4_many_dont_knows_in_responded_to_are_a_finding_in_themselves():
    profiles = profile(responded_to=[3, 3, 3, 3, "dk", "dk", "dk", "dk"])
    s = suggestion(profiles, "responded_to")
    assert s is not None and s.why.startswith("at least half its questions")
    assert [g.code for g in s.unknowns] == ["RT5", "RT6", "RT7", "RT8"]
    # Not for a factor about the area rather than the council's own practice.
    assert suggestion(profile(like_to=[3, 3, 3, "dk", "dk", "dk"]), "like_to") is None


def test_5_a_score_on_many_dont_knows_is_provisional():
    profiles = profile(can_do=[4, 4, 4, 4, "dk", "dk", "dk"])
    p = by_factor(profiles)["can_do"]
    assert scoring.shown(p.score) == 100 and p.provisional
    assert p.rated == 4 and p.dont_know == 3  # answered shows both
    assert not by_factor(profile(can_do=[4, 4, 4, 4, 4, 4, "dk"]))["can_do"].provisional  # 1 of 7 is not


def test_5_every_band_of_an_audit_not_approved_is_provisional():
    assert all(p.provisional for p in profile(approved=False) if p.score is not None)
    assert not any(p.provisional for p in profile())


def test_6_all_fours_without_evidence_is_an_unverified_strength_and_warned_first():
    profiles = profile(evidence=False, **{f: [4] * n for f, n in COUNTS.items()})
    assert all(p.band.label == "Unverified strength" for p in profiles)
    assert scoring.strengths(profiles) == []
    sentences = summary_sentences(profiles)
    assert not any("to keep" in s for s in sentences)
    assert any("unverified strength" in s for s in sentences)


def test_7_a_high_rating_with_low_confidence_is_an_evidence_gap():
    (p,) = [scoring.factor_profile("can_do", 7, answers("can_do", 4, 3, 2, confidence="low"))]
    assert [(g.code, g.label) for g in p.gaps if g.kind == "low_confidence"] == [
        ("CD1", "Rated high with low confidence"),
        ("CD2", "Rated high with low confidence"),
    ]


@pytest.mark.parametrize(
    "note",
    ["tbc", "TBC.", "see Jo", "to be confirmed", "n/a", "  ", "ask Sam", "not sure yet", "will add later", "x y"],
)
def test_8_a_placeholder_note_is_not_evidence(note):
    assert not Answer(evidence_notes=note).has_evidence
    assert Answer(evidence_notes=note, evidence_links="https://example.org/register").has_evidence


@pytest.mark.parametrize(
    "note",
    ["Census 2021", "Ward profiles 2023", "Census 2021 and the IMD at LSOA level", "Consultation register, p. 4"],
)
def test_8_a_note_that_cites_something_is_evidence(note):
    assert Answer(evidence_notes=note).has_evidence


@pytest.mark.parametrize(("factor", "size"), [("like_to", 6), ("responded_to", 8)])
def test_9_change_is_read_in_question_levels_whatever_the_factors_size(factor, size):
    before = by_factor(profile())[factor].score
    one = profile(**{factor: [4] + [3] * (size - 1)})
    two = profile(**{factor: [4, 4] + [3] * (size - 2)})
    label = by_factor(one)[factor].label
    previous = {f: by_factor(profile())[f].score for f in FACTOR_ORDER}
    assert previous[factor] == before
    assert not any(label in s for s in summary_sentences(one, previous=previous, previous_period="2025/26")[-1:])
    assert (
        f"{label} rose by 2 question-levels" in summary_sentences(two, previous=previous, previous_period="2025/26")[-1]
    )


def test_9_a_draft_compared_with_an_approved_audit_says_it_is_provisional():
    previous = {f: by_factor(profile())[f].score for f in FACTOR_ORDER}
    for current in (profile(approved=False), profile(approved=False, can_do=[1] * 7)):
        last = summary_sentences(current, previous=previous, previous_period="2025/26", provisional=True)[-1]
        assert "provisional" in last


def test_wording_dont_knows_are_counted_per_factor():
    profiles = profile(
        enabled_to=["dk"] * 6, asked_to=[3, 3, 3, 3, "dk", "dk", "dk"], responded_to=[3] * 6 + ["dk"] * 2
    )
    text = " ".join(summary_sentences(profiles))
    assert "Enabled to has too few ratings for a score (6 of its 6 questions are “don't know”)" in text
    assert "11" not in text


def test_wording_most_ratings_cite_evidence_only_when_they_do():
    half = [
        AnswerInput(f"{PREFIX[f]}{i}", f, rating=3, has_evidence=i % 5 < 3)
        for f in FACTOR_ORDER
        for i in range(1, COUNTS[f] + 1)
    ]
    profiles = scoring.factor_profiles(COUNTS, half)
    assert all(p.evidence_strength == "moderate" for p in profiles)
    text = " ".join(summary_sentences(profiles))
    assert "Most ratings cite evidence" not in text and "Evidence is moderate for" in text
