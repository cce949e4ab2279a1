"""Autosave in a real browser: answers are saved while the officer types, a status line says
so, and text typed after the session ended comes back, and is saved, after logging in again."""

from django.contrib.sessions.models import Session
from playwright.sync_api import expect

from audits import services
from audits.models import Answer, Council, Service

from .conftest import PASSWORD
from .test_journey import DESKTOP, Mouse, open_as


def test_answers_autosave_and_survive_an_ended_session(browser, live_server, people):
    council = Council.objects.get(slug="ynys-mon")
    audit = services.audit_create(
        user=people["officer"], council=council, service=Service.objects.get(name="Planning"), period="2026/27"
    )
    page, _, visit = open_as(browser, live_server, "officer", DESKTOP, Mouse, "autosave")
    page.goto(f"/audits/{audit.pk}/can-do/")
    status = page.locator("#autosave-status")

    # 1. Typing is saved without pressing Save, and the status line says so.
    page.locator('input[name="CD1-rating"][value="3"]').check()
    page.locator("#id_CD1-evidence_notes").fill("Ward profiles from the 2021 census.")
    expect(status).to_contain_text("All changes saved at")
    visit.check("autosaved")
    answer = Answer.objects.get(audit=audit, question__code="CD1")
    assert (answer.rating, answer.evidence_notes) == (3, "Ward profiles from the 2021 census.")

    # 2. The session ends (say, overnight); what the officer types next is not lost.
    Session.objects.all().delete()
    page.locator("#id_CD2-evidence_notes").fill("Digital skills survey, March 2026.")
    expect(status).to_contain_text("your session has ended")
    visit.check("session ended")
    assert not Answer.objects.filter(audit=audit, question__code="CD2").exists()

    # 3. Logging in again from the status line brings the officer back to the step, where the
    #    text is restored and saved.
    page.get_by_role("link", name="Log in again to save it").click()
    page.locator("#id_username").fill("officer")
    page.locator("#id_password").fill(PASSWORD)
    page.locator('main button[type="submit"]').click()
    expect(page.locator("#id_CD2-evidence_notes")).to_have_value("Digital skills survey, March 2026.")
    expect(status).to_contain_text("All changes saved at")
    visit.check("restored after login")
    assert Answer.objects.get(audit=audit, question__code="CD2").evidence_notes == "Digital skills survey, March 2026."
    assert Answer.objects.get(audit=audit, question__code="CD1").rating == 3

    # 4. Reloading finds nothing left to restore: the copy in the browser was cleared once saved.
    page.reload()
    expect(page.locator("#id_CD2-evidence_notes")).to_have_value("Digital skills survey, March 2026.")
    expect(status).to_be_hidden()
    visit.assert_accessible()
