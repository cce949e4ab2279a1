"""The scoring rules of docs/scoring.md, on plain data (no database)."""

import pytest

from audits import scoring
from audits.factors import FACTOR_ORDER
from audits.scoring import AnswerInput as A

SIX = dict.fromkeys(FACTOR_ORDER, 6)


def answers(factor, *ratings, evidence=True):
    """Answers for one factor: an int is a rating, "dk" is don't know, None is unanswered."""
    prefix = factor[:2].upper()
    out = []
    for i, r in enumerate(ratings, start=1):
        if r == "dk":
            out.append(A(f"{prefix}{i}", factor, dont_know=True))
        else:
            out.append(A(f"{prefix}{i}", factor, rating=r, has_evidence=evidence))
    return out


class TestScore:
    def test_mean_rating_maps_to_0_100(self):
        assert scoring.score_from_ratings([1, 1]) == 0
        assert scoring.score_from_ratings([4, 4]) == 100
        assert scoring.score_from_ratings([2, 3]) == 50
        assert scoring.score_from_ratings([1, 2, 2]) == pytest.approx(22.2)

    def test_no_ratings_no_score(self):
        assert scoring.score_from_ratings([]) is None

    def test_bands_follow_the_thresholds(self):
        assert scoring.band_for(0).key == "barrier"
        assert scoring.band_for(24.4).key == "barrier"
        assert scoring.band_for(24.5).key == "weakness"  # shown as 25
        assert scoring.band_for(25).key == "weakness"
        assert scoring.band_for(50).key == "adequate"
        assert scoring.band_for(74.4).key == "adequate"
        assert scoring.band_for(74.8).key == "strength"  # shown as 75
        assert scoring.band_for(75).key == "strength"
        assert scoring.band_for(100).key == "strength"
        assert scoring.band_for(None) is None

    def test_band_rejects_scores_off_the_scale(self):
        with pytest.raises(ValueError):
            scoring.band_for(101)

    def test_answer_input_rejects_impossible_answers(self):
        with pytest.raises(ValueError):
            A("CD1", "can_do", rating=5)
        with pytest.raises(ValueError):
            A("CD1", "can_do", rating=2, dont_know=True)
        with pytest.raises(ValueError):
            A("CD1", "nonsense", rating=2)


class TestFactorProfile:
    def test_no_answers_means_no_score_and_all_unanswered(self):
        profile = scoring.factor_profile("can_do", 6, [])
        assert profile.score is None
        assert profile.band is None
        assert profile.unanswered == 6
        assert profile.evidence_strength == "none"

    def test_all_dont_know_is_an_evidence_gap_not_a_score(self):
        profile = scoring.factor_profile("like_to", 6, answers("like_to", *["dk"] * 6))
        assert profile.score is None
        assert profile.dont_know == 6
        assert profile.answered_share == 1
        assert [g.kind for g in profile.gaps] == ["dont_know"] * 6

    def test_a_single_rating_of_six_is_too_few_for_a_score(self):
        profile = scoring.factor_profile("can_do", 6, answers("can_do", 4))
        assert profile.rated == 1
        assert profile.score is None

    def test_a_single_question_factor_rated_once_has_a_score(self):
        profile = scoring.factor_profile("can_do", 1, answers("can_do", 4))
        assert profile.score == 100

    def test_half_the_questions_rated_is_enough(self):
        profile = scoring.factor_profile("can_do", 6, answers("can_do", 1, 2, 3))
        assert profile.score == pytest.approx(33.3)
        assert profile.band.key == "weakness"

    def test_dont_know_does_not_pull_the_score_down(self):
        with_dk = scoring.factor_profile("can_do", 6, answers("can_do", 4, 4, 4, "dk", "dk", "dk"))
        assert with_dk.score == 100

    def test_evidence_strength_is_the_share_of_ratings_with_evidence(self):
        backed = answers("can_do", 3, 3, 3, 3, evidence=True)
        bare = [A(f"X{i}", "can_do", rating=3) for i in range(2)]
        profile = scoring.factor_profile("can_do", 6, backed + bare)
        assert profile.evidenced == 4
        assert profile.evidence_strength == "moderate"  # 4 of 6
        assert scoring.evidence_strength(5, 4) == "strong"
        assert scoring.evidence_strength(5, 1) == "weak"
        assert scoring.evidence_strength(0, 0) == "none"

    def test_high_ratings_without_evidence_are_gaps(self):
        profile = scoring.factor_profile("asked_to", 6, answers("asked_to", 4, 3, 1, evidence=False))
        assert [(g.code, g.kind) for g in profile.gaps] == [("AS1", "no_evidence"), ("AS2", "no_evidence")]

    def test_more_answers_than_questions_is_an_error(self):
        with pytest.raises(ValueError):
            scoring.factor_profile("can_do", 1, answers("can_do", 1, 2))


class TestSuggestedResponses:
    def profile(self, **ratings_by_factor):
        items = [a for f, rs in ratings_by_factor.items() for a in answers(f, *rs)]
        return scoring.factor_profiles(SIX, items)

    def test_weakest_factor_first_with_its_paired_response(self):
        profiles = self.profile(
            can_do=[2, 2, 2, 2, 2, 2],  # 33
            like_to=[1, 1, 1, 2, 2, 2],  # 16.7
            enabled_to=[4, 4, 4, 4, 4, 4],  # 100
            asked_to=[3, 3, 3, 3, 3, 3],  # 66.7
            responded_to=[3, 3, 3, 3, 4, 4],  # 77.8
        )
        suggestions = scoring.suggested_responses(profiles)
        # Asked to (all 3s) is adequate with no weak question: no response.
        assert [(s.factor, s.priority, s.response_title) for s in suggestions] == [
            ("like_to", "priority", "Community identity"),
            ("can_do", "priority", "Capacity building"),
        ]
        assert [p.factor for p in scoring.strengths(profiles)] == ["enabled_to", "responded_to"]

    def test_reasons_are_the_low_answers_lowest_first(self):
        profiles = self.profile(can_do=[3, 1, 2, 3, 4, 1])
        (suggestion,) = scoring.suggested_responses(profiles)
        assert [(a.code, a.rating) for a in suggestion.reasons] == [("CA2", 1), ("CA6", 1), ("CA3", 2)]

    def test_ties_go_to_the_factor_with_more_ratings_of_one(self):
        profiles = self.profile(
            can_do=[2, 2, 2, 2, 2, 2],  # 33.3, no 1s
            responded_to=[1, 1, 1, 3, 3, 3],  # 33.3, three 1s
        )
        assert [s.factor for s in scoring.suggested_responses(profiles)] == ["responded_to", "can_do"]

    def test_full_ties_keep_framework_order(self):
        profiles = self.profile(asked_to=[2] * 6, can_do=[2] * 6, like_to=[2] * 6)
        assert [s.factor for s in scoring.suggested_responses(profiles)] == ["can_do", "like_to", "asked_to"]

    def test_factors_without_a_score_get_no_response_but_are_named(self):
        profiles = self.profile(can_do=["dk"] * 6, like_to=[1] * 6)
        assert [s.factor for s in scoring.suggested_responses(profiles)] == ["like_to"]
        assert [p.factor for p in scoring.missing_evidence(profiles)] == [
            "can_do",
            "enabled_to",
            "asked_to",
            "responded_to",
        ]

    def test_no_answers_no_suggestions(self):
        profiles = scoring.factor_profiles(SIX, [])
        assert scoring.suggested_responses(profiles) == []
        assert scoring.strengths(profiles) == []
        assert len(scoring.missing_evidence(profiles)) == 5


def test_combined_profile_is_the_mean_of_the_scores_that_exist():
    a = scoring.factor_profiles(SIX, answers("can_do", 1, 1, 1, 1, 1, 1) + answers("like_to", *["dk"] * 6))
    b = scoring.factor_profiles(SIX, answers("can_do", 4, 4, 4, 4, 4, 4) + answers("like_to", 4, 4, 4, 4, 4, 4))
    combined = {p.factor: p for p in scoring.combine_profiles([a, b])}
    assert combined["can_do"].score == 50
    assert combined["like_to"].score == 100  # the audit without a score is left out
    assert combined["like_to"].dont_know == 6 and combined["like_to"].total == 12
    assert combined["enabled_to"].score is None


def test_scores_are_shown_rounding_halves_up():
    assert [scoring.shown(v) for v in (12.5, 62.5, 33.3, 66.7, 0, 100)] == [13, 63, 33, 67, 0, 100]
