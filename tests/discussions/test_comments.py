"""Comments on one answer: a manager asks about CD3, the officer replies, someone resolves it;
shown beside the question on the step and review pages, on the audit's page and under
"Needs your action"; each person concerned told by e-mail."""

import pytest
from django.core.exceptions import ValidationError

from audits import services as audit_services
from discussions import services
from discussions.models import Thread
from notifications.models import Email, Kind


@pytest.fixture(autouse=True)
def _addresses(officer, officer_b, manager):
    for user in (officer, officer_b, manager):
        user.email = f"{user.username}@ynysmon.example"
        user.save(update_fields=["email"])


def test_a_manager_asks_the_officer_replies_and_the_thread_is_resolved(client_for, submitted_audit, manager, officer):
    url = f"/audits/{submitted_audit.pk}/comments/CD3/"
    client = client_for(manager)
    page = client.get(url).content.decode()
    assert "No comments yet" in page and "Rated 2:" in page
    Email.objects.all().delete()
    response = client.post(url, {"body": "Which survey is this from?", "to": officer.pk}, follow=True)
    assert "Comment added on CD3" in response.content.decode()
    thread = Thread.objects.get()
    assert (thread.question.code, thread.is_open, thread.comments_count) == ("CD3", True, 1)
    email = Email.objects.get(kind=Kind.COMMENT)
    assert email.to == "officer@ynysmon.example"
    assert email.subject == "Gareth Owen asks you about CD3: Planning, 2026/27"
    assert "Which survey is this from?" in email.body_text and url in email.body_text
    # The officer finds it waiting for them, replies, and the manager is told.
    listing = client_for(officer).get("/audits/").content.decode()
    assert "Comments waiting for your reply" in listing and f'href="{url}">CD3 of Planning, 2026/27</a>' in listing
    client_for(officer).post(url, {"body": "The 2025 residents' survey, p. 12."})
    assert Email.objects.filter(kind=Kind.COMMENT, to="manager@ynysmon.example").exists()
    assert "Comments waiting for your reply" not in client_for(officer).get("/audits/").content.decode()
    assert "Comments waiting for your reply" in client_for(manager).get("/audits/").content.decode()
    client_for(manager).post(f"{url}resolve/")
    thread.refresh_from_db()
    assert not thread.is_open and thread.resolved_by == manager
    assert "Comments waiting for your reply" not in client_for(manager).get("/audits/").content.decode()
    # A new comment opens it again.
    client_for(officer).post(url, {"body": "One more thing."})
    thread.refresh_from_db()
    assert thread.is_open and thread.comments_count == 3


def test_open_threads_show_on_the_step_review_and_audit_pages(client_for, submitted_audit, manager, officer):
    services.comment_post(
        audit=submitted_audit, question=_q(submitted_audit, "CD3"), user=manager, body="Which survey?", to=officer
    )
    audit_services.audit_return(audit=submitted_audit, user=manager, comment="See the comment on CD3.")
    detail = client_for(officer).get(f"/audits/{submitted_audit.pk}/").content.decode()
    assert (
        "Open comments on 1 answer" in detail and f'href="/audits/{submitted_audit.pk}/comments/CD3/">CD3</a>' in detail
    )
    step = client_for(officer).get(f"/audits/{submitted_audit.pk}/can-do/").content.decode()
    cd3 = step[step.index('id="q-CD3"') : step.index('id="q-CD4"')]
    assert "Open comments (1)" in cd3 and "Which survey?" in cd3 and "Reply or resolve" in cd3
    assert "Comment on CD2" in step
    audit_services.audit_submit(audit=submitted_audit, user=officer)
    review = client_for(manager).get(f"/audits/{submitted_audit.pk}/review/").content.decode()
    cd3 = review[review.index('id="q-CD3"') : review.index('id="q-CD4"')]
    assert "Which survey?" in cd3


def test_the_cached_review_and_step_pages_follow_every_comment_and_resolve(
    client_for, submitted_audit, manager, officer
):
    review_url, step_url = f"/audits/{submitted_audit.pk}/review/", f"/audits/{submitted_audit.pk}/can-do/"

    def cd3(user, url):
        page = client_for(user).get(url).content.decode()
        return page[page.index('id="q-CD3"') : page.index('id="q-CD4"')]

    assert "Comment on CD3" in cd3(manager, review_url)  # now kept in the cache
    assert "Comment on CD3" in cd3(officer, step_url)
    thread_url = f"/audits/{submitted_audit.pk}/comments/CD3/"
    client_for(manager).post(thread_url, {"body": "Which survey?"})
    assert "Open comments (1)" in cd3(manager, review_url)
    assert "Open comments (1)" in cd3(officer, step_url)
    client_for(officer).post(thread_url, {"body": "The 2025 one."})
    assert "Open comments (2)" in cd3(manager, review_url) and "The 2025 one." in cd3(officer, step_url)
    client_for(manager).post(f"{thread_url}resolve/")
    assert "Resolved comments (2)" in cd3(manager, review_url)
    assert "Resolved comments (2)" in cd3(officer, step_url)


def test_councillors_neither_read_nor_write_comments(client_for, submitted_audit, manager, councillor):
    services.comment_post(
        audit=submitted_audit, question=_q(submitted_audit, "CD3"), user=manager, body="Which survey?"
    )
    client = client_for(councillor)
    assert client.get(f"/audits/{submitted_audit.pk}/comments/CD3/").status_code == 403
    assert client.post(f"/audits/{submitted_audit.pk}/comments/CD3/", {"body": "x"}).status_code == 403
    assert "Which survey?" not in client.get(f"/audits/{submitted_audit.pk}/can-do/").content.decode()
    assert "Open comments" not in client.get(f"/audits/{submitted_audit.pk}/").content.decode()


def test_an_approved_audits_comments_are_closed_and_kept(client_for, approved_audit, manager):
    thread_url = f"/audits/{approved_audit.pk}/comments/CD3/"
    page = client_for(manager).get(thread_url).content.decode()
    assert "its comments are closed" in page and "<textarea" not in page
    with pytest.raises(ValidationError, match="comments are closed"):
        services.comment_post(audit=approved_audit, question=_q(approved_audit, "CD3"), user=manager, body="Late")
    assert not Thread.objects.exists()


@pytest.mark.parametrize(
    ("body", "message"),
    [("   ", "This field is required"), ("x" * 5001, "5001"), ("bad \x07 bell", "control")],
)
def test_a_bad_comment_is_explained_kept_and_saves_nothing(client_for, submitted_audit, manager, body, message):
    response = client_for(manager).post(f"/audits/{submitted_audit.pk}/comments/CD3/", {"body": body})
    page = response.content.decode()
    assert response.status_code == 200 and message in page
    assert not Thread.objects.exists()


def test_only_a_colleague_of_the_council_can_be_asked(client_for, submitted_audit, manager, outsider, councillor):
    for person in (outsider, councillor, manager):
        response = client_for(manager).post(
            f"/audits/{submitted_audit.pk}/comments/CD3/", {"body": "Please check", "to": person.pk}
        )
        assert "Select a valid choice" in response.content.decode()
    assert not Thread.objects.exists()


def test_a_question_of_no_audit_and_an_outside_redirect_are_refused(client_for, submitted_audit, manager):
    client = client_for(manager)
    assert client.get(f"/audits/{submitted_audit.pk}/comments/ZZ9/").status_code == 404
    response = client.post(
        f"/audits/{submitted_audit.pk}/comments/CD3/", {"body": "Fine", "next": "https://evil.example/"}
    )
    assert response.url == f"/audits/{submitted_audit.pk}/comments/CD3/"
    response = client.post(
        f"/audits/{submitted_audit.pk}/comments/CD3/", {"body": "Fine", "next": f"/audits/{submitted_audit.pk}/review/"}
    )
    assert response.url == f"/audits/{submitted_audit.pk}/review/"


def _q(audit, code):
    return audit.framework.questions.get(code=code)
