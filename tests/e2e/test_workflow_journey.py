"""The review workflow in a real browser, led by its e-mails.

The officer submits; the task worker sends the manager an e-mail (read from the mail outbox),
whose link opens the review page; the manager asks about CD3 on that answer's comments and
returns the audit; the officer's e-mails and "Needs your action" lead them to the question;
they reply on a 390 px phone, change the answer and resubmit; the manager sees the change
marked, resolves the comments and approves; the officer is told. Every page is
screenshotted (test-artifacts/) and scanned with axe-core.
"""

import re
from urllib.parse import urlsplit

from django.core import mail
from django.core.management import call_command
from playwright.sync_api import expect

from audits import services
from audits.models import AuditStatus, Council
from discussions.models import Thread

from ..conftest import answer_all
from .test_journey import DESKTOP, PHONE, Keyboard, Mouse, open_as


def send_queued_emails() -> list:
    """The task worker's turn (`manage.py db_worker`, beside the app in production): the
    e-mails written since, as received."""
    before = len(mail.outbox)
    call_command("db_worker", batch=True, startup_delay=False, queue_name="default", verbosity=0)
    return mail.outbox[before:]


def link_in(message, path_start: str) -> str:
    """The link of the e-mail (plain text part) that starts with the site's address and this path."""
    found = re.search(r"(http://\S+?" + re.escape(path_start) + r"\S*)", message.body)
    assert found, message.body
    return urlsplit(found[1]).path


def test_review_workflow_journey(browser, live_server, people, settings):
    settings.SITE_URL = live_server.url
    for name in ("officer", "manager"):
        people[name].email = f"{name}@ynysmon.example"
        people[name].save()
    council = Council.objects.get(slug="ynys-mon")
    audit = services.audit_create(user=people["officer"], council=council, service=None, period="2026/27")
    answer_all(audit, people["officer"], rating=2, confidence="medium", evidence_notes="Resident survey 2025.")

    # The officer submits: nothing is sent inside the request; the worker sends the manager's e-mail.
    page, driver, visit = open_as(browser, live_server, "officer", DESKTOP, Keyboard, "workflow-officer")
    page.goto(f"/audits/{audit.pk}/")
    expect(page.get_by_role("heading", name="36 of 36 questions answered")).to_be_visible()
    visit.check("complete draft")
    driver.press('form[action$="/submit/"] button')
    expect(page.get_by_text("Audit submitted.")).to_be_visible()
    [to_manager] = send_queued_emails()
    assert to_manager.to == ["manager@ynysmon.example"]
    assert to_manager.subject == "To review: Ynys Môn, Whole council, 2026/27"

    # The manager follows the e-mail's link to the review page and asks about CD3.
    manager, mdriver, mvisit = open_as(browser, live_server, "manager", DESKTOP, Mouse, "workflow-manager")
    expect(manager.get_by_role("heading", name="Needs your action")).to_be_visible()
    mvisit.check("audit list with a review waiting")
    manager.goto(link_in(to_manager, "/review/"))
    expect(manager.get_by_role("heading", name=re.compile("^Review: Ynys Môn, Whole council"))).to_be_visible()
    expect(manager.get_by_text("this is the first submission")).to_be_visible()
    mvisit.check("review page")
    mdriver.press('a:has-text("Comment on CD3")')
    mdriver.fill("#id_body", "Which survey is this from? The note does not say which year's questions.")
    mdriver.select("#id_to", "Siân Hughes")
    mvisit.check("comment form")
    mdriver.press("#comment-submit")
    expect(manager.get_by_text("Comment added on CD3.")).to_be_visible()
    assert urlsplit(manager.url).path == f"/audits/{audit.pk}/review/"  # back where they were
    expect(manager.locator("#q-CD3")).to_contain_text("Open comments (1)")
    mdriver.fill("#id_comment", "Please say which survey backs the Can do ratings (see CD3).")
    mdriver.press('button[value="return"]')
    expect(manager.get_by_text("Audit returned to the officers")).to_be_visible()
    mvisit.check("returned")

    # The officer gets both e-mails, and finds the question waiting on their phone.
    sent = send_queued_emails()
    assert sorted(m.subject for m in sent) == [
        "Gareth Owen asks you about CD3: Whole council, 2026/27",
        "Returned to you: Ynys Môn, Whole council, 2026/27",
    ]
    assert all(m.to == ["officer@ynysmon.example"] for m in sent)
    phone, pdriver, pvisit = open_as(browser, live_server, "officer", PHONE, Keyboard, "workflow-officer-phone")
    expect(phone.get_by_text("Returned to you")).to_be_visible()
    expect(phone.get_by_text("Comments waiting for your reply")).to_be_visible()
    pvisit.check("needs your action on a phone")
    pdriver.press(f'a[href="/audits/{audit.pk}/comments/CD3/"]')
    pdriver.fill("#id_body", "The 2025 residents' survey, questions 12 to 14. I have added it to the note and rated 3.")
    pvisit.check("reply on a phone")
    pdriver.press("#comment-submit")
    expect(phone.get_by_text("Comment added on CD3.")).to_be_visible()
    pdriver.press("#change-answer")
    pdriver.choose("CD3-rating", "3")
    pdriver.fill("#id_CD3-evidence_notes", "Resident survey 2025, questions 12–14.")
    pdriver.press('button[value="stay"]')
    expect(phone.get_by_text("Saved", exact=False).first).to_be_visible()
    phone.goto(f"/audits/{audit.pk}/")
    pdriver.press('form[action$="/submit/"] button')
    expect(phone.get_by_text("Audit submitted.")).to_be_visible()
    pvisit.check("resubmitted on a phone")

    # The manager sees the change marked, resolves the comments and approves.
    sent = send_queued_emails()
    assert {m.subject for m in sent} == {
        "New comment on CD3: Whole council, 2026/27",
        "To review: Ynys Môn, Whole council, 2026/27",
    }
    manager.goto(link_in(next(m for m in sent if m.subject.startswith("To review")), "/review/"))
    expect(manager.get_by_text("1 answer changed")).to_be_visible()
    cd3 = manager.locator("#q-CD3")
    expect(cd3).to_contain_text("Changed")
    expect(cd3).to_contain_text("Before the change")
    mvisit.check("review with a change marked")
    cd3.get_by_role("link", name=re.compile("Reply or resolve")).click()
    mdriver.press("#resolve")
    expect(manager.get_by_text("The comments on CD3 are resolved.")).to_be_visible()
    mdriver.press('button[value="approve"]')
    expect(manager.get_by_text("Audit approved.")).to_be_visible()
    mvisit.check("approved")
    [approved] = send_queued_emails()
    assert approved.to == ["officer@ynysmon.example"] and approved.subject.startswith("Approved:")
    audit.refresh_from_db()
    assert audit.status == AuditStatus.APPROVED
    assert not Thread.objects.get(audit=audit).is_open

    for v in (visit, mvisit, pvisit):
        v.assert_accessible()
