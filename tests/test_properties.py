"""Property-based tests (Hypothesis): scoring rules and the answer form hold for any input."""

from hypothesis import given, settings
from hypothesis import strategies as st

from audits import scoring
from audits.factors import FACTOR_ORDER
from audits.forms import DONT_KNOW, AnswerForm
from audits.models import Question

ratings = st.lists(st.integers(min_value=1, max_value=4), min_size=1, max_size=12)


@given(ratings)
def test_a_score_is_always_on_the_0_to_100_scale(values):
    assert 0 <= scoring.score_from_ratings(values) <= 100


@given(ratings, st.data())
def test_raising_a_rating_never_lowers_the_score(values, data):
    i = data.draw(st.integers(min_value=0, max_value=len(values) - 1))
    higher = [*values[:i], min(4, values[i] + 1), *values[i + 1 :]]
    assert scoring.score_from_ratings(higher) >= scoring.score_from_ratings(values)


answer = st.one_of(st.integers(min_value=1, max_value=4), st.just("dk"), st.none())
profile_input = st.fixed_dictionaries({f: st.lists(answer, min_size=6, max_size=6) for f in FACTOR_ORDER})


def build(inputs):
    answers = []
    for factor, values in inputs.items():
        for i, v in enumerate(values):
            if v == "dk":
                answers.append(scoring.AnswerInput(f"{factor}{i}", factor, dont_know=True))
            elif v is not None:
                answers.append(scoring.AnswerInput(f"{factor}{i}", factor, rating=v, has_evidence=i % 2 == 0))
    return scoring.factor_profiles(dict.fromkeys(FACTOR_ORDER, 6), answers)


@given(profile_input)
def test_every_question_rated_1_brings_its_factors_response_naming_it(inputs):
    profiles = build(inputs)
    reasons = {a.code for s in scoring.suggested_responses(profiles) for a in s.reasons}
    for p in profiles:
        for barrier in p.barriers:
            assert barrier.code in reasons
        if p.barriers:
            assert p.band is None or p.band.key != "strength"


@given(profile_input)
def test_no_response_without_a_weak_question_or_an_unknown_practice(inputs):
    for s in scoring.suggested_responses(build(inputs)):
        assert s.reasons or (s.factor in scoring.OWN_PRACTICE_FACTORS and s.profile.dont_know_share >= 0.5)
        assert all(a.rating <= 2 and a.factor == s.factor for a in s.reasons)


@given(profile_input)
def test_strengths_to_keep_and_suggestions_never_overlap(inputs):
    profiles = build(inputs)
    suggested = {s.factor for s in scoring.suggested_responses(profiles)}
    strong = {p.factor for p in scoring.strengths(profiles)}
    assert suggested.isdisjoint(strong)
    for p in profiles:
        if p.score is not None and scoring.shown(p.score) < scoring.WEAK_BELOW:
            assert p.factor in suggested


@given(profile_input)
def test_suggestions_come_priorities_first_then_weakest_first(inputs):
    suggestions = scoring.suggested_responses(build(inputs))
    assert [s.priority for s in suggestions] == sorted((s.priority for s in suggestions), key=lambda p: p != "priority")
    for level in ("priority", "consider"):
        scored = [scoring.shown(s.profile.score) for s in suggestions if s.priority == level and s.profile.has_score]
        assert scored == sorted(scored)


@given(profile_input)
def test_a_weakest_factor_named_stands_apart_by_more_than_one_question_level(inputs):
    profiles = build(inputs)
    weakest = scoring.weakest_factors(profiles)
    others = [p for p in profiles if p.has_score and p not in weakest]
    if weakest:
        lowest = min(p.score for p in weakest)
        step = scoring.question_level(min(weakest, key=lambda p: p.score).rated)
        assert all(p.score - lowest > step - 1e-6 for p in others)
        assert others and len(weakest) <= (len(weakest) + len(others)) // 2


@given(profile_input)
def test_dont_know_never_changes_a_score(inputs):
    without = {f: [None if v == "dk" else v for v in values] for f, values in inputs.items()}
    assert [p.score for p in build(inputs)] == [p.score for p in build(without)]


QUESTION = Question(
    pk=1,
    framework_id=1,
    factor="can_do",
    code="CD1",
    theme="t",
    prompt="p?",
    guidance="g",
    level_1="one",
    level_2="two",
    level_3="three",
    level_4="four",
)
text = st.text(alphabet=st.characters(codec="utf-8"), max_size=6000)


@settings(max_examples=200)
@given(
    rating=st.one_of(st.sampled_from(["1", "2", "3", "4", DONT_KNOW, ""]), st.text(max_size=5)),
    confidence=st.one_of(st.sampled_from(["", "low", "medium", "high"]), st.text(max_size=8)),
    notes=text,
    links=st.one_of(
        text,
        st.lists(st.sampled_from(["https://ok.example.org/a", "ftp://x", "javascript:alert(1)", " "]), max_size=12).map(
            "\n".join
        ),
    ),
)
def test_the_answer_form_accepts_only_what_it_can_save(rating, confidence, notes, links):
    form = AnswerForm(
        {"CD1-rating": rating, "CD1-confidence": confidence, "CD1-evidence_notes": notes, "CD1-evidence_links": links},
        question=QUESTION,
    )
    if not form.is_valid():
        assert form.errors  # a message for the officer, never an exception
        return
    data = form.to_data()
    assert data.rating in (None, 1, 2, 3, 4)
    assert not (data.rating and data.dont_know)
    assert data.confidence in ("", "low", "medium", "high")
    assert len(data.evidence_notes) <= 5000
    assert not any(ord(c) < 32 and c not in "\n\r\t" for c in data.evidence_notes + data.evidence_links)
    for link in data.evidence_links.splitlines():
        assert link.startswith(("http://", "https://"))
