"""Writes: creating, saving answers, submitting and reviewing audits, and the stored scores."""

import hypothesis
import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from hypothesis import strategies as st

from audits import scoring, selectors, services
from audits.factors import FACTOR_ORDER
from audits.models import Answer, Audit, AuditStatus, FactorScore, Framework

from .conftest import answer_all, make_question


def test_create_records_who_and_keeps_an_empty_profile(audit, officer):
    assert audit.status == AuditStatus.DRAFT
    assert audit.created_by == officer
    assert audit.framework.is_current
    scores = FactorScore.objects.filter(audit=audit)
    assert scores.count() == 5
    assert all(s.score is None and s.answered == 0 and s.total >= 6 for s in scores)


@pytest.mark.parametrize("period", ["2026", "2026/28", "26/27", "2026-27", "", "1999/00"])
def test_create_refuses_periods_that_are_not_financial_years(council, officer, period):
    with pytest.raises(ValidationError):
        services.audit_create(user=officer, council=council, service=None, period=period)
    assert not Audit.objects.exists()


def test_create_refuses_a_second_audit_of_the_same_scope_and_period(audit, council, planning, officer):
    with pytest.raises(ValidationError, match="already an audit"):
        services.audit_create(user=officer, council=council, service=planning, period="2026/27")
    # The whole council and another period are different audits.
    services.audit_create(user=officer, council=council, service=None, period="2026/27")
    services.audit_create(user=officer, council=council, service=planning, period="2027/28")


def test_create_refuses_another_councils_service(council, other_service, officer):
    with pytest.raises(ValidationError):
        services.audit_create(user=officer, council=council, service=other_service, period="2026/27")


def test_database_refuses_a_rating_outside_the_scale(audit, questions, officer):
    with pytest.raises(IntegrityError), transaction.atomic():
        Answer.objects.create(audit=audit, question=questions[0], rating=5, answered_by=officer)
    with pytest.raises(IntegrityError), transaction.atomic():
        Answer.objects.create(audit=audit, question=questions[0], rating=2, dont_know=True, answered_by=officer)


def test_saving_answers_updates_the_stored_scores(audit, officer, questions):
    can_do = [q for q in questions if q.factor == "can_do"]
    data = [services.AnswerData(question_id=q.pk, rating=4, evidence_notes="Census 2021") for q in can_do]
    services.answers_save(audit=audit, user=officer, answers=data, expected_version=audit.version)
    score = FactorScore.objects.get(audit=audit, factor="can_do")
    assert (score.score, score.answered, score.total, score.evidence_strength) == (
        100,
        len(can_do),
        len(can_do),
        "strong",
    )
    assert FactorScore.objects.get(audit=audit, factor="like_to").score is None
    assert Answer.objects.filter(audit=audit, answered_by=officer).count() == len(can_do)


def test_answers_for_another_frameworks_questions_are_refused(audit, officer):
    other = Framework.objects.create(version="Other 1", title="Other")
    stray = make_question(other, "X1")
    with pytest.raises(ValidationError, match="not in this audit"):
        services.answers_save(
            audit=audit,
            user=officer,
            answers=[services.AnswerData(question_id=stray.pk, rating=3)],
            expected_version=audit.version,
        )
    assert not Answer.objects.exists()


def test_a_stale_save_of_the_same_question_is_a_conflict(audit, officer, officer_b, questions):
    q = questions[0]
    loaded = audit.version
    services.answers_save(
        audit=audit,
        user=officer_b,
        answers=[services.AnswerData(question_id=q.pk, rating=4, evidence_notes="B's notes")],
        expected_version=loaded,
    )
    with pytest.raises(services.EditConflictError) as caught:
        services.answers_save(
            audit=audit,
            user=officer,
            answers=[services.AnswerData(question_id=q.pk, rating=1, evidence_notes="A's notes")],
            expected_version=loaded,
        )
    assert caught.value.changed[q.pk].evidence_notes == "B's notes"
    assert Answer.objects.get(question=q).rating == 4  # nothing overwritten
    # Having seen the conflict, the officer may save on top of the current version.
    services.answers_save(
        audit=audit,
        user=officer,
        answers=[services.AnswerData(question_id=q.pk, rating=1, evidence_notes="A's notes")],
        expected_version=caught.value.current_version,
    )
    assert Answer.objects.get(question=q).rating == 1


def test_a_colleague_overwriting_an_existing_answer_is_a_conflict_naming_them(audit, officer, officer_b, questions):
    q = questions[0]

    def save(user, version, rating):
        return services.answers_save(
            audit=audit,
            user=user,
            answers=[services.AnswerData(question_id=q.pk, rating=rating)],
            expected_version=version,
        )

    save(officer_b, audit.version, 2)  # B answers first, then leaves the page open
    loaded_by_b = audit.version
    save(officer, audit.version, 3)  # A changes B's answer
    written = Answer.objects.get(audit=audit, question=q)
    assert (written.rating, written.answered_by, written.audit_version) == (3, officer, audit.version)
    with pytest.raises(services.EditConflictError) as caught:
        save(officer_b, loaded_by_b, 4)
    assert caught.value.changed[q.pk].answered_by == officer
    assert Answer.objects.get(audit=audit, question=q).rating == 3


def test_stale_saves_of_other_questions_do_not_conflict(audit, officer, officer_b, questions):
    loaded = audit.version
    services.answers_save(
        audit=audit,
        user=officer_b,
        answers=[services.AnswerData(question_id=questions[0].pk, rating=4)],
        expected_version=loaded,
    )
    services.answers_save(
        audit=audit,
        user=officer,
        answers=[services.AnswerData(question_id=questions[-1].pk, rating=2)],
        expected_version=loaded,
    )
    assert Answer.objects.filter(audit=audit).count() == 2


def test_submit_lists_the_missing_questions(audit, officer, questions):
    answer_all(audit, officer, rating=None, dont_know=True)
    Answer.objects.filter(question=questions[0]).update(dont_know=False)
    with pytest.raises(services.IncompleteAuditError) as caught:
        services.audit_submit(audit=audit, user=officer)
    assert caught.value.missing == [questions[0]]
    audit.refresh_from_db()
    assert audit.status == AuditStatus.DRAFT


def test_all_dont_know_can_be_submitted_and_has_no_scores(audit, officer):
    answer_all(audit, officer, rating=None, dont_know=True)
    submitted = services.audit_submit(audit=audit, user=officer)
    assert submitted.status == AuditStatus.SUBMITTED
    assert not FactorScore.objects.filter(audit=audit, score__isnull=False).exists()


def test_return_needs_a_comment_and_reopens_the_audit(submitted_audit, manager, officer):
    with pytest.raises(ValidationError):
        services.audit_return(audit=submitted_audit, user=manager, comment="   ")
    returned = services.audit_return(audit=submitted_audit, user=manager, comment="Add evidence to RT3.")
    assert (returned.status, returned.returned_by, returned.return_comment) == (
        AuditStatus.RETURNED,
        manager,
        "Add evidence to RT3.",
    )
    answer_all(returned, officer, rating=3)  # officers may edit again
    assert services.audit_submit(audit=returned, user=officer).status == AuditStatus.SUBMITTED


def test_approved_audit_cannot_change(approved_audit, officer, manager, questions):
    assert approved_audit.approved_by == manager and approved_audit.approved_at
    with pytest.raises(services.AuditStateError):
        services.answers_save(
            audit=approved_audit,
            user=officer,
            answers=[services.AnswerData(question_id=questions[0].pk, rating=4)],
            expected_version=approved_audit.version,
        )
    with pytest.raises(services.AuditStateError):
        services.audit_submit(audit=approved_audit, user=officer)
    with pytest.raises(services.AuditStateError):
        services.audit_return(audit=approved_audit, user=manager, comment="Too late")
    assert not Answer.objects.filter(rating=4).exists()


def test_only_submitted_audits_can_be_approved(audit, manager):
    with pytest.raises(services.AuditStateError):
        services.audit_approve(audit=audit, user=manager)


def test_current_period_is_the_uk_financial_year():
    import datetime

    assert services.current_period(datetime.date(2026, 11, 23)) == "2026/27"
    assert services.current_period(datetime.date(2027, 3, 31)) == "2026/27"
    assert services.current_period(datetime.date(2027, 4, 1)) == "2027/28"
    assert services.current_period(datetime.date(2099, 6, 1)) == "2099/00"


_answer = st.one_of(
    st.none(),  # left as it is
    st.builds(
        dict,
        rating=st.sampled_from([None, 1, 2, 3, 4, "dk"]),
        evidence_notes=st.sampled_from(["", "Census 2021", "   "]),
        evidence_links=st.sampled_from(["", "https://example.org/a"]),
    ),
)


@hypothesis.settings(
    max_examples=25, deadline=None, suppress_health_check=[hypothesis.HealthCheck.function_scoped_fixture]
)
@hypothesis.given(saves=st.lists(st.tuples(st.sampled_from(FACTOR_ORDER), st.lists(_answer, min_size=9, max_size=9))))
def test_stored_scores_after_any_saves_are_what_a_full_recompute_gives(audit, officer, questions, saves):
    """Saving scores only the factors saved, from the answers held under the lock: after any
    sequence of saves, every factor's stored score is what scoring the whole audit gives."""
    # A fresh audit for each example: the examples share the database, so it goes at the end.
    audit = services.audit_create(user=officer, council=audit.council, service=None, period="2022/23")
    try:
        _save_all(audit, officer, questions, saves)
        stored = {
            s.factor: (s.score, s.answered, s.dont_know, s.total, s.evidenced, s.evidence_strength)
            for s in FactorScore.objects.filter(audit=audit)
        }
        counts, inputs = selectors.answer_inputs(audit)
        expected = {
            p.factor: (p.score, p.rated, p.dont_know, p.total, p.evidenced, p.evidence_strength)
            for p in scoring.factor_profiles(counts, inputs)
        }
        assert stored == expected
    finally:
        audit.delete()


def _save_all(audit, officer, questions, saves):
    for factor, values in saves:
        of_factor = [q for q in questions if q.factor == factor]
        data = [
            services.AnswerData(
                question_id=q.pk,
                rating=None if v["rating"] in (None, "dk") else v["rating"],
                dont_know=v["rating"] == "dk",
                evidence_notes=v["evidence_notes"],
                evidence_links=v["evidence_links"],
            )
            for q, v in zip(of_factor, values, strict=False)
            if v is not None
        ]
        audit.refresh_from_db()
        services.answers_save(audit=audit, user=officer, answers=data, expected_version=audit.version)
