"""E-mails about the workflow: who is told of what, in which words, sent after the commit by
the task queue, retried when the mail server fails, and turned off per kind."""

import io
import socket
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone, translation
from django_tasks_db.models import DBTaskResult

from audits import services
from audits.models import Audit
from notifications.models import Email, Kind, TurnedOff
from notifications.tasks import RETRY_AFTER, deliver


@pytest.fixture(autouse=True)
def _addresses(officer, officer_b, manager, councillor):
    for user in (officer, officer_b, manager, councillor):
        user.email = f"{user.username}@ynysmon.example"
        user.save(update_fields=["email"])


def run_worker():
    """What `manage.py db_worker` does on a worker machine: run every task due, then stop."""
    call_command("db_worker", batch=True, startup_delay=False, queue_name="default", verbosity=0)


def sent_to(kind=None):
    return sorted(to for m in mail.outbox for to in m.to if kind is None or kind in m.subject)


def test_submitting_tells_the_councils_managers_with_a_link_to_the_review_page(
    client_for, complete_audit, officer, manager, councillor, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = "https://clear.ynysmon.example"
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client_for(officer).post(f"/audits/{complete_audit.pk}/submit/")
    email = Email.objects.get()
    assert (email.to, email.kind, email.sent_at) == ("manager@ynysmon.example", Kind.SUBMITTED, None)
    assert not mail.outbox  # nothing is sent inside the request: the queue sends it after the commit
    assert len(callbacks) == 1
    for callback in callbacks:
        callback()
    task = DBTaskResult.objects.get()
    assert task.task_path == "notifications.tasks.deliver"
    deliver.call(*task.args_kwargs["args"])
    [message] = mail.outbox
    assert message.subject == "To review: Ynys Môn, Planning, 2026/27"
    assert "Siân Hughes submitted the CLEAR audit of Planning" in message.body
    assert f"https://clear.ynysmon.example/audits/{complete_audit.pk}/review/" in message.body
    html, mime = message.alternatives[0]
    assert mime == "text/html" and "Review the audit</a>" in html
    assert "https://clear.ynysmon.example/account/notifications/" in message.body
    email.refresh_from_db()
    assert email.sent_at is not None and email.attempts == 1


def test_returning_tells_the_officers_who_worked_on_it_not_the_manager(
    complete_audit, officer, officer_b, manager, councillor
):
    services.answers_save(
        audit=complete_audit,
        user=officer_b,
        answers=[services.AnswerData(question_id=complete_audit.answers.first().question_id, rating=4)],
        expected_version=complete_audit.version,
    )
    services.audit_submit(audit=complete_audit, user=officer)
    Email.objects.all().delete()
    services.audit_return(audit=complete_audit, user=manager, comment="RT2: which forum?")
    emails = Email.objects.order_by("to")
    assert [e.to for e in emails] == ["officer-b@ynysmon.example", "officer@ynysmon.example"]
    assert all(e.kind == Kind.RETURNED for e in emails)
    assert "RT2: which forum?" in emails[0].body_text
    assert "What to do next" in emails[0].body_text


def test_approving_and_reopening_tell_the_officers(submitted_audit, officer, manager):
    services.audit_approve(audit=submitted_audit, user=manager)
    assert list(Email.objects.filter(kind=Kind.APPROVED).values_list("to", flat=True)) == ["officer@ynysmon.example"]
    new = services.audit_reopen(audit=submitted_audit, user=manager, reason="Figures for RT3 corrected")
    reopened = Email.objects.get(kind=Kind.REOPENED)
    assert reopened.to == "officer@ynysmon.example"
    assert "revision 2" in reopened.body_text and "Figures for RT3 corrected" in reopened.body_text
    assert f"/audits/{new.pk}/" in reopened.body_text


def test_a_kind_turned_off_is_not_sent_and_others_still_are(client_for, submitted_audit, officer, manager):
    client = client_for(officer)
    page = client.get("/account/notifications/").content.decode()
    assert "E-mails go to <strong>officer@ynysmon.example</strong>" in page
    boxes = {k: "on" for k in Kind.values if k != Kind.RETURNED}
    response = client.post("/account/notifications/", boxes, follow=True)
    assert "Your e-mail settings are saved" in response.content.decode()
    assert list(TurnedOff.objects.values_list("user", "kind")) == [(officer.pk, Kind.RETURNED)]
    services.audit_return(audit=submitted_audit, user=manager, comment="Please check CD3.")
    assert not Email.objects.filter(kind=Kind.RETURNED).exists()
    services.audit_submit(audit=submitted_audit, user=officer)
    services.audit_approve(audit=submitted_audit, user=manager)
    assert Email.objects.filter(kind=Kind.APPROVED, to="officer@ynysmon.example").exists()


def test_nobody_without_an_address_or_no_longer_active_is_written_to(submitted_audit, officer, manager):
    Email.objects.all().delete()  # the submission's, to the manager
    manager.is_active = False
    manager.save()
    services.audit_return(audit=submitted_audit, user=manager, comment="x")
    officer.email = ""
    officer.save()
    services.audit_submit(audit=submitted_audit, user=officer)
    assert list(Email.objects.values_list("kind", "to")) == [(Kind.RETURNED, "officer@ynysmon.example")]


def test_a_save_that_fails_writes_and_sends_nothing(complete_audit, officer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        services.audit_submit(audit=complete_audit, user=officer)
        raise RuntimeError("the next step of the same request failed")
    assert not Email.objects.exists() and not DBTaskResult.objects.exists() and not mail.outbox


def _closed_port() -> int:
    """A port on loopback where nothing listens: a mail server that is down."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_mail_server_that_is_down_is_retried_later_then_given_up(submitted_audit, officer, manager, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", _closed_port(), 2
    services.audit_return(audit=submitted_audit, user=manager, comment="Check CD3.")
    email = Email.objects.get(kind=Kind.RETURNED)
    for attempt in range(1, len(RETRY_AFTER) + 2):
        with transaction.atomic():
            state = deliver.call(email.pk)
        email.refresh_from_db()
        assert email.attempts == attempt
        assert "ConnectionRefusedError" in email.last_error
    assert state == "given up" and email.gave_up_at is not None and email.sent_at is None
    # A given-up e-mail is not sent again by a late retry.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert deliver.call(email.pk) == "given up" and not mail.outbox


@pytest.mark.django_db(transaction=True)
def test_the_worker_sends_and_a_failed_send_is_queued_again_for_later(
    question_bank, council, planning, officer, settings
):
    from tests.conftest import answer_all

    audit = services.audit_create(user=officer, council=council, service=planning, period="2026/27")
    answer_all(audit, officer)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", _closed_port(), 2
    services.audit_submit(audit=Audit.objects.get(pk=audit.pk), user=officer)  # commits: the task is queued
    assert list(DBTaskResult.objects.values_list("task_path", flat=True)) == ["notifications.tasks.deliver"]
    run_worker()
    email = Email.objects.get()
    assert (email.attempts, email.sent_at) == (1, None)
    retry = DBTaskResult.objects.exclude(status="SUCCESSFUL").get()
    assert retry.run_after > timezone.now() + RETRY_AFTER[0] - timedelta(seconds=30)
    # The server is back; the retry comes due.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    DBTaskResult.objects.filter(pk=retry.pk).update(run_after=timezone.now())
    run_worker()
    email.refresh_from_db()
    assert email.sent_at is not None and email.attempts == 2
    assert [m.to for m in mail.outbox] == [["manager@ynysmon.example"]]


def test_the_daily_digest_lists_audits_waiting_more_than_a_week_once_a_day(
    submitted_audit, council, officer, manager, settings
):
    Audit.objects.filter(pk=submitted_audit.pk).update(submitted_at=timezone.now() - timedelta(days=9))
    Email.objects.all().delete()
    call_command("send_review_digest", verbosity=0)
    call_command("send_review_digest", verbosity=0)  # again the same day: nothing more
    email = Email.objects.get()
    assert (email.to, email.kind) == ("manager@ynysmon.example", Kind.DIGEST)
    assert email.subject == "1 audit waiting for your review for more than 7 days"
    assert "Ynys Môn: Planning, 2026/27, submitted by Siân Hughes 9 days ago" in email.body_text
    # Waiting less than the setting: no digest.
    settings.REVIEW_DIGEST_DAYS = 10
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    call_command("send_review_digest", today=tomorrow, verbosity=0)
    assert Email.objects.count() == 1


@pytest.mark.parametrize("command", ["send_review_digest", "send_action_reminders"])
def test_a_scheduled_command_explains_a_date_it_cannot_read_and_sends_nothing(command, submitted_audit):
    before = Email.objects.count()  # the submission's
    with pytest.raises(CommandError, match=r"--today takes a date as YYYY-MM-DD, not '31/12/2026'"):
        call_command(command, "--today", "31/12/2026")
    assert Email.objects.count() == before


def test_an_action_given_to_someone_tells_them_and_not_who_gave_it_to_themselves(approved_audit, officer, manager):
    from tests.actions.test_actions import plan

    mine = plan(approved_audit, manager)  # owned by the planner: no e-mail
    assert not Email.objects.filter(kind=Kind.ACTION).exists()
    with translation.override("cy"):  # the manager reads the app in Welsh: the e-mail stays English
        theirs = plan(approved_audit, manager, owner=officer, title="Quarterly “you said, we did” page")
    email = Email.objects.get(kind=Kind.ACTION)
    assert f"due {theirs.due.day} {theirs.due:%B} {theirs.due.year}" in email.body_text
    assert email.to == "officer@ynysmon.example"
    assert email.subject == "An action is yours: Quarterly “you said, we did” page"
    assert f"/actions/{theirs.pk}/" in email.body_text and "Gareth Owen gave you an action" in email.body_text
    # Handing the planner's own action to the officer tells the officer too.
    from actions import services as action_services

    data = action_services.ActionData(
        title=mine.title,
        start=mine.start,
        due=mine.due,
        questions=list(mine.questions.all()),
        own_intervention=mine.own_intervention,
        owner=officer,
    )
    action_services.action_update(action=mine, user=manager, data=data, expected_version=mine.version)
    assert Email.objects.filter(kind=Kind.ACTION, to="officer@ynysmon.example").count() == 2


@pytest.mark.django_db(transaction=True)
def test_an_email_never_tried_is_queued_again_after_an_hour_and_sent_once(manager):
    # Written, but its queueing was lost (the server stopped between the save and the queue).
    email = Email.objects.create(
        recipient=manager, to=manager.email, kind=Kind.SUBMITTED, subject="To review", body_text="…", body_html="…"
    )

    def requeue() -> str:
        out = io.StringIO()
        call_command("requeue_emails", stdout=out)
        return out.getvalue()

    assert "0 e-mails queued again." in requeue()  # just written: the worker may yet come
    assert not DBTaskResult.objects.exists()
    Email.objects.filter(pk=email.pk).update(created_at=timezone.now() - timedelta(hours=2))
    assert f"Queued again: e-mail {email.pk} to manager@ynysmon.example" in requeue()
    assert "0 e-mails queued again." in requeue()  # again before the worker came: its task waits
    run_worker()
    assert sent_to() == ["manager@ynysmon.example"]
    email.refresh_from_db()
    assert email.sent_at is not None and email.attempts == 1
    assert "0 e-mails queued again." in requeue()
