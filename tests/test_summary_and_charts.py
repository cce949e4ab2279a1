from audits import charts, scoring
from audits.factors import FACTOR_ORDER
from audits.summary import summary_sentences

from .test_scoring import SIX, answers


def profile(**ratings):
    return scoring.factor_profiles(SIX, [a for f, rs in ratings.items() for a in answers(f, *rs)])


def test_sentences_name_the_weakest_factor_its_response_and_the_strengths():
    p = profile(can_do=[1, 1, 2, 3, 1, 1], like_to=[4] * 6, enabled_to=[3] * 6, asked_to=[3] * 6, responded_to=[3] * 6)
    sentences = summary_sentences(p)
    assert sentences[0].startswith("The weakest factor is Can do (17 out of 100, major barrier): 5 of its 6 questions")
    assert "capacity building" in sentences[0]
    # The strength comes after what the evidence is worth, so it is never read unqualified.
    assert sentences[1:] == [
        "In every scored factor, at least four in five ratings cite evidence.",
        "The strength to keep is Like to (100).",
    ]


def test_sentences_report_change_and_thin_evidence():
    p = scoring.factor_profiles(SIX, answers("can_do", 2, 2, 2, 2, 2, 2, evidence=False))
    sentences = summary_sentences(p, previous={"can_do": 50.0}, previous_period="2025/26")
    assert any("Evidence is thin for Can do (0 of 6 ratings cite evidence)" in s for s in sentences)
    # 50 to 33: 17 points, three question-levels of a six-question factor.
    assert any(s == "Since 2025/26, Can do fell by 3 question-levels." for s in sentences)
    assert any("too few ratings for a score" in s for s in sentences)


def test_no_answers_says_evidence_is_missing():
    sentences = summary_sentences(scoring.factor_profiles(SIX, []))
    assert sentences == ["Can do, Like to, Enabled to, Asked to and Responded to have too few ratings for a score."]


def test_radar_is_deterministic_labelled_and_accessible():
    scores = dict(zip(FACTOR_ORDER, [20.0, 80.0, None, 50.0, 100.0], strict=True))
    svg = charts.radar(charts.Series("2026/27", scores), charts.Series("2025/26", scores), id_prefix="r1")
    assert svg == charts.radar(charts.Series("2026/27", scores), charts.Series("2025/26", scores), id_prefix="r1")
    assert 'role="img"' in svg and 'aria-labelledby="r1-title r1-desc"' in svg
    assert "Enabled to no score" in svg  # the description reads every score
    assert all(label in svg for label in ["Can do", "Like to", "Enabled to", "Asked to", "Responded to"])
    assert "2025/26" in svg  # the previous audit is in the legend
