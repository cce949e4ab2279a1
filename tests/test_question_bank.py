"""The seeded question bank and policy responses, as officers will see them."""

from collections import Counter

from audits.factors import FACTOR_ORDER, FACTOR_RESPONSES
from audits.models import Framework, PolicyResponse, Question


def test_one_current_framework_with_at_least_six_questions_per_factor(db):
    framework = Framework.objects.get(is_current=True)
    counts = Counter(Question.objects.filter(framework=framework).values_list("factor", flat=True))
    assert set(counts) == set(FACTOR_ORDER)
    assert min(counts.values()) >= 6


def test_every_question_has_guidance_and_four_distinct_level_descriptors(db):
    for q in Question.objects.all():
        texts = [text for _, text in q.levels]
        assert all(len(t) > 30 for t in texts), q.code
        assert len(set(texts)) == 4, q.code
        assert q.guidance and q.prompt.endswith("?"), q.code


def test_codes_are_numbered_within_their_factor(db):
    prefixes = {"can_do": "CD", "like_to": "LT", "enabled_to": "ET", "asked_to": "AT", "responded_to": "RT"}
    for q in Question.objects.all():
        assert q.code.startswith(prefixes[q.factor]), q.code


def test_each_factor_has_its_framework_response_with_interventions(db):
    responses = {r.factor: r for r in PolicyResponse.objects.prefetch_related("interventions")}
    assert {f: r.title for f, r in responses.items()} == {f: str(t) for f, t in FACTOR_RESPONSES.items()}
    assert all(r.interventions.count() >= 4 for r in responses.values())


def test_the_question_bank_is_read_once_and_an_edit_is_seen_at_once(db, django_assert_num_queries):
    from audits import question_bank

    from .conftest import make_question

    framework = Framework.objects.create(version="Draft 2", title="Draft")  # unused: it may still change
    question = make_question(framework, "CD1")
    assert [q.prompt for q in question_bank.questions(framework.pk)] == ["Prompt?"]
    with django_assert_num_queries(0):
        assert question_bank.factor_questions(framework.pk, "can_do")[0].code == "CD1"
    question.prompt = "Reworded?"
    question.save()
    make_question(framework, "LT1", factor="like_to")
    assert [q.prompt for q in question_bank.questions(framework.pk)] == ["Reworded?", "Prompt?"]
    assert question_bank.question_counts(framework.pk) == {"can_do": 1, "like_to": 1}
