"""The demo shows the workflow: nothing e-mailed for its made-up history, a returned audit
with a question waiting for the officer, and a digest of the audits waiting for review."""

import io

from django.contrib.auth import get_user_model
from django.core.management import call_command

from discussions.models import Thread
from notifications.models import Email, Kind


def test_the_demo_shows_comments_waiting_and_a_digest(client, db):
    call_command("seed_demo", stdout=io.StringIO())
    assert not Email.objects.exists()  # years of made-up submissions and approvals tell nobody
    call_command("seed_demo_discussions", stdout=io.StringIO())
    threads = Thread.objects.count()
    call_command("seed_demo_discussions", stdout=io.StringIO())
    assert Thread.objects.count() == threads >= 3
    assert Email.objects.filter(kind=Kind.COMMENT, to="officer@example.org").exists()
    call_command("send_review_digest", stdout=io.StringIO())
    assert Email.objects.filter(kind=Kind.DIGEST, to="manager@example.org").exists()
    users = {u.username: u for u in get_user_model().objects.filter(username__in=["officer", "manager"])}
    client.force_login(users["officer"])
    page = client.get("/audits/").content.decode()
    assert "Needs your action" in page and "Returned to you" in page and "Comments waiting for your reply" in page
    client.force_login(users["manager"])
    page = client.get("/audits/").content.decode()
    assert "Waiting for your review" in page and "Comments waiting for your reply" in page
