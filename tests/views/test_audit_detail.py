from audits import services
from audits.models import Question


def test_it_shows_the_profile_with_evidence_and_suggestions(client_for, complete_audit, manager):
    page = client_for(manager).get(f"/audits/{complete_audit.pk}/").content.decode()
    assert "Profile" in page
    assert "33" in page  # every question rated 2 -> 33 on the 0-100 scale
    assert "Weakness" in page
    assert "Capacity building" in page and "Accountability and leadership" in page
    assert "<td>Strong</td>" in page
    assert "The answers behind it" in page


def test_a_draft_without_answers_says_evidence_is_missing(client_for, audit, officer):
    page = client_for(officer).get(f"/audits/{audit.pk}/").content.decode()
    assert "No score: too few ratings" in page
    assert "No response is suggested: no question is rated 1 or 2, and some factors have too few ratings" in page
    assert "Submit for review" in page


def test_high_ratings_without_evidence_are_listed_as_gaps(client_for, audit, officer):
    q = Question.objects.get(framework__is_current=True, code="LT1")
    services.answers_save(
        audit=audit,
        user=officer,
        expected_version=audit.version,
        answers=[services.AnswerData(question_id=q.pk, rating=4)],
    )
    page = client_for(officer).get(f"/audits/{audit.pk}/").content.decode()
    assert "Evidence gaps" in page and "Rated high with no evidence cited" in page


def test_managers_are_sent_to_the_review_page_only_when_submitted(client_for, submitted_audit, manager):
    page = client_for(manager).get(f"/audits/{submitted_audit.pk}/").content.decode()
    assert f'href="/audits/{submitted_audit.pk}/review/">Review every answer</a>' in page
    assert "Submit for review" not in page
