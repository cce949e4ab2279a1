import re

from django.db import connection
from django.test.utils import CaptureQueriesContext

from audits import services
from audits.models import Answer, Question

from .helpers import step_post_data, step_url


def test_it_shows_each_question_with_its_own_level_descriptors(client_for, audit, officer):
    page = client_for(officer).get(step_url(audit)).content.decode()
    can_do = Question.objects.filter(framework=audit.framework, factor="can_do")
    for q in can_do:
        assert q.prompt.replace("'", "&#x27;") in page
        assert q.level_1.replace("'", "&#x27;")[:40] in page
    assert "Don't know." in page
    assert f"0 of {can_do.count()} answered" in page
    assert "How to choose a level" in page and "Area context" in page  # the bank's guidance and kinds


def test_saving_a_draft_keeps_the_answers_and_shows_progress(client_for, audit, officer):
    client = client_for(officer)
    data = step_post_data(
        audit, evidence_notes="Census 2021 ward profiles", evidence_links="https://example.org/census"
    )
    response = client.post(step_url(audit), data, follow=True)
    page = response.content.decode()
    assert "your answers are saved" in page
    assert "Census 2021 ward profiles" in page
    can_do = Question.objects.filter(framework=audit.framework, factor="can_do").count()
    assert f"{can_do} of {can_do} answered" in page
    answers = Answer.objects.filter(audit=audit)
    assert answers.count() == can_do
    assert all(a.rating == 3 and a.answered_by == officer for a in answers)


def test_save_and_continue_goes_to_the_next_factor(client_for, audit, officer):
    data = step_post_data(audit) | {"next": "next"}
    response = client_for(officer).post(step_url(audit), data)
    assert response.url == f"/audits/{audit.pk}/like-to/"


def test_dont_know_is_saved_as_a_gap(client_for, audit, officer):
    client_for(officer).post(step_url(audit), step_post_data(audit, rating="dk"))
    can_do = Question.objects.filter(framework=audit.framework, factor="can_do").count()
    assert Answer.objects.filter(audit=audit, dont_know=True, rating=None).count() == can_do


def test_a_bad_link_is_explained_and_nothing_typed_is_lost(client_for, audit, officer):
    data = step_post_data(audit, evidence_notes="My careful notes", evidence_links="not a link\nhttps://ok.example.org")
    response = client_for(officer).post(step_url(audit), data)
    page = response.content.decode()
    assert response.status_code == 200
    assert "These are not web addresses" in page
    assert "My careful notes" in page and "not a link" in page
    assert "Nothing was saved" in page
    assert not Answer.objects.exists()


def test_a_conflicting_save_is_shown_and_the_users_text_kept(client_for, audit, officer, officer_b):
    loaded = audit.version
    q = Question.objects.get(framework__is_current=True, code="CD1")
    services.answers_save(
        audit=audit,
        user=officer_b,
        expected_version=loaded,
        answers=[services.AnswerData(question_id=q.pk, rating=4, evidence_notes="Dafydd's survey notes")],
    )
    data = step_post_data(audit, version=loaded, evidence_notes="Siân's own notes")
    response = client_for(officer).post(step_url(audit), data)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Some of these answers were saved elsewhere after you opened this page" in page
    assert "Saved meanwhile by Dafydd Roberts" in page
    assert "Dafydd&#x27;s survey notes" in page  # theirs, shown
    assert "Siân&#x27;s own notes" in page  # ours, kept in the fields
    assert Answer.objects.get(question=q).rating == 4
    # Saving again from the conflict page keeps the officer's version.
    data = step_post_data(audit, version=audit.version, evidence_notes="Siân's own notes")
    client_for(officer).post(step_url(audit), data)
    assert Answer.objects.get(question=q).evidence_notes == "Siân's own notes"


def test_an_approved_audit_is_read_only(client_for, approved_audit, officer):
    client = client_for(officer)
    page = client.get(step_url(approved_audit)).content.decode()
    assert "<textarea" not in page
    assert "Rated 2:" in page
    before = list(Answer.objects.values_list("pk", "rating", "updated_at"))
    response = client.post(
        step_url(approved_audit), step_post_data(approved_audit, rating="4", evidence_notes="Typed late")
    )
    assert response.status_code == 409
    assert "nothing was saved" in response.content.decode()
    assert "Typed late" in response.content.decode()  # kept on screen to copy
    assert list(Answer.objects.values_list("pk", "rating", "updated_at")) == before


def test_councillors_read_the_answers_without_a_form(client_for, complete_audit, councillor):
    page = client_for(councillor).get(step_url(complete_audit)).content.decode()
    assert "<textarea" not in page
    assert "Resident survey 2025." in page


def test_a_returned_audit_shows_the_managers_comment(client_for, submitted_audit, manager, officer):
    services.audit_return(audit=submitted_audit, user=manager, comment="Please add evidence for CD3.")
    page = client_for(officer).get(step_url(submitted_audit)).content.decode()
    assert "Please add evidence for CD3." in page
    assert "<textarea" in page


def test_an_unknown_factor_is_404(client_for, audit, officer):
    assert client_for(officer).get(f"/audits/{audit.pk}/nonsense/").status_code == 404


def test_query_count_does_not_grow_with_answers(client_for, audit, officer):
    client = client_for(officer)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(step_url(audit)).status_code == 200
        return len(ctx.captured_queries)

    empty = count()
    client.post(step_url(audit), step_post_data(audit))
    assert count() == empty


def test_saving_after_a_conflict_never_reverts_a_colleagues_untouched_answer(client_for, audit, officer, officer_b):
    client = client_for(officer)
    page = client.get(step_url(audit)).content.decode()  # loads fingerprints of the empty answers
    loaded = dict(re.findall(r'name="(CD\d-loaded)" value="([0-9a-f]+)"', page))
    q1, q2 = Question.objects.filter(framework__is_current=True, factor="can_do").order_by("order")[:2]
    services.answers_save(
        audit=audit,
        user=officer_b,
        expected_version=audit.version,
        answers=[services.AnswerData(question_id=q2.pk, rating=4, evidence_notes="Colleague's answer")],
    )
    # The officer only rated the first question; the second is posted as loaded (empty).
    data = step_post_data(audit, rating="", confidence="", version=audit.version - 1) | loaded
    data[f"{q1.code}-rating"] = "2"
    response = client.post(step_url(audit), data)
    assert response.status_code == 302  # no conflict: the officer did not touch the second question
    assert Answer.objects.get(question=q1).rating == 2
    assert Answer.objects.get(question=q2).evidence_notes == "Colleague's answer"


def test_control_characters_and_oversized_notes_are_refused_with_the_text_kept(client_for, audit, officer):
    client = client_for(officer)
    page = client.post(step_url(audit), step_post_data(audit, evidence_notes="Pasted\x07 from Word")).content.decode()
    assert "Remove the invisible control characters (U+0007)" in page
    page = client.post(step_url(audit), step_post_data(audit, evidence_notes="x" * 5001)).content.decode()
    assert "This can be at most 5000 characters; it has 5001" in page
    assert "x" * 5001 + "</textarea>" in page  # all of it, still in the field
    assert not Answer.objects.exists()


def test_a_colleagues_save_shows_on_a_step_page_seen_before(client_for, audit, officer, officer_b):
    client = client_for(officer)
    page = client.get(step_url(audit)).content.decode()  # the page is now cached
    n = Question.objects.filter(framework=audit.framework, factor="can_do").count()
    assert "Counted by Dafydd" not in page and f"0 of {n} answered" in page
    q = Question.objects.get(framework__is_current=True, code="CD2")
    services.answers_save(
        audit=audit,
        user=officer_b,
        expected_version=audit.version,
        answers=[services.AnswerData(question_id=q.pk, rating=1, evidence_notes="Counted by Dafydd")],
    )
    page = client.get(step_url(audit)).content.decode()
    assert "Counted by Dafydd" in page and f"1 of {n} answered" in page
    assert re.search(r'name="CD2-rating" value="1"[^>]*checked', page)


def test_an_unchanged_step_is_shown_again_without_reading_its_answers(client_for, complete_audit, officer):
    client = client_for(officer)
    first = client.get(step_url(complete_audit)).content.decode()
    with CaptureQueriesContext(connection) as ctx:
        again = client.get(step_url(complete_audit)).content.decode()
    assert not [q["sql"] for q in ctx.captured_queries if "audits_answer" in q["sql"]]
    assert strip_tokens(again) == strip_tokens(first)
    # Once submitted, the same officer's page is read-only: the cached forms are not shown.
    services.audit_submit(audit=complete_audit, user=officer)
    assert "<textarea" not in client.get(step_url(complete_audit)).content.decode()


def strip_tokens(page: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)
