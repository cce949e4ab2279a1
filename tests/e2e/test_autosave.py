"""Autosave in a real browser: answers are saved while the officer types, a status line says
so, and text typed after the session ended comes back, and is saved, after logging in again."""

from django.contrib.sessions.models import Session
from playwright.sync_api import expect

from audits import services
from audits.models import Answer, Council, Service

from .conftest import PASSWORD
from .test_journey import DESKTOP, Mouse, open_as


def officer_on_a_new_step(browser, live_server, people, name: str):
    """A new draft audit of Planning, and the officer logged in on its Can do step."""
    audit = services.audit_create(
        user=people["officer"],
        council=Council.objects.get(slug="ynys-mon"),
        service=Service.objects.get(name="Planning"),
        period="2026/27",
    )
    page, _, visit = open_as(browser, live_server, "officer", DESKTOP, Mouse, name)
    page.goto(f"/audits/{audit.pk}/can-do/")
    return audit, page, visit


def test_answers_autosave_and_survive_an_ended_session(browser, live_server, people):
    audit, page, visit = officer_on_a_new_step(browser, live_server, people, "autosave")
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


def test_autosave_sends_the_changed_answer_only_and_a_second_tab_gets_a_conflict(browser, live_server, people):
    audit, page, visit = officer_on_a_new_step(browser, live_server, people, "autosave-tabs")
    other_tab = page.context.new_page()  # the same officer, the same step, opened at the same time
    other_tab.goto(f"/audits/{audit.pk}/can-do/")
    sent = []
    page.on("request", lambda r: sent.append(r.post_data or "") if r.url.endswith("/autosave/") else None)
    status = page.locator("#autosave-status")

    # 1. One answer typed: one answer sent, and the page's next saves are not conflicts with it.
    page.locator("#id_CD2-evidence_notes").fill("Digital skills survey, March 2026.")
    expect(status).to_contain_text("All changes saved at")
    page.locator("#id_CD2-evidence_notes").fill("Digital skills survey, March 2026, and the library's figures.")
    expect(status).to_contain_text("All changes saved at")
    assert len(sent) == 2 and all("CD2-evidence_notes" in body for body in sent)
    assert not any(f"CD{n}-" in body for body in sent for n in (1, 3, 4, 5, 6, 7))
    assert Answer.objects.filter(audit=audit).count() == 1

    # 2. The other tab still shows the empty answer: its save is a conflict, not an overwrite.
    other_tab.locator("#id_CD2-evidence_notes").fill("Typed in the other tab.")
    expect(other_tab.locator("#autosave-status")).to_contain_text("CD2 changed elsewhere meanwhile")
    assert Answer.objects.get(audit=audit).evidence_notes.endswith("and the library's figures.")

    # 3. Notes near the limit show a counter; past it, the text stays whole and is not saved.
    notes = page.locator("#id_CD4-evidence_notes")
    notes.fill("n" * 4100)
    expect(page.locator("#id_CD4-evidence_notes-counter")).to_have_text("4,100 of 5,000 characters")
    notes.fill("n" * 5120)
    expect(page.locator("#id_CD4-evidence_notes-counter")).to_contain_text("120 over the limit of 5,000")
    expect(status).to_contain_text("Not saved: CD4 need attention")
    assert len(notes.input_value()) == 5120
    assert not Answer.objects.filter(audit=audit, question__code="CD4").exists()
    visit.check("counter over the limit")
    visit.assert_accessible()


def test_a_refused_answer_never_holds_back_the_others_nor_loses_them(browser, live_server, people):
    audit, page, visit = officer_on_a_new_step(browser, live_server, people, "autosave-refused")
    status = page.locator("#autosave-status")

    # 1. CD4's notes are too long: refused, and set aside; CD1 typed next is saved all the same.
    page.locator("#id_CD4-evidence_notes").fill("n" * 5100)
    expect(status).to_contain_text("CD4 need attention")
    page.locator("#id_CD1-evidence_notes").fill("Ward profiles.")
    expect(status).to_contain_text("Not yet saved: ")
    assert Answer.objects.get(audit=audit, question__code="CD1").evidence_notes == "Ward profiles."

    # 2. Typed and sent with the Save button before autosave ran: the page comes back unsaved
    #    (CD4), and autosave saves CD2 from it, while CD4 waits.
    page.locator("#id_CD2-evidence_notes").fill("Library survey.")
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator(".alert-danger").first).to_contain_text("Nothing was saved yet")
    expect(status).to_contain_text("CD4")
    expect(page.locator("#id_CD2-evidence_notes")).to_have_value("Library survey.")
    page.wait_for_function("() => document.querySelector('#autosave-status').textContent.includes('Not yet saved')")
    assert Answer.objects.get(audit=audit, question__code="CD2").evidence_notes == "Library survey."
    visit.check("refused answer set aside")

    # 3. Shortened, CD4 is saved too.
    page.locator("#id_CD4-evidence_notes").fill("Timetable review, 2026.")
    expect(status).to_contain_text("All changes saved at")
    assert Answer.objects.get(audit=audit, question__code="CD4").evidence_notes == "Timetable review, 2026."
    visit.assert_accessible()


def test_a_second_tab_saving_keeps_the_first_tabs_unsaved_text(browser, live_server, people):
    audit, first, _ = officer_on_a_new_step(browser, live_server, people, "autosave-two-tabs")
    first.route("**/autosave/", lambda route: route.abort())  # this tab has lost its connection
    second = first.context.new_page()
    second.goto(f"/audits/{audit.pk}/can-do/")

    first.locator("#id_CD1-evidence_notes").fill("Typed while offline.")
    expect(first.locator("#autosave-status")).to_contain_text("no connection")
    second.locator("#id_CD3-evidence_notes").fill("Saved from the second tab.")
    expect(second.locator("#autosave-status")).to_contain_text("All changes saved at")
    first.close()  # the first tab's text is only in the browser now

    third = second.context.new_page()
    third.goto(f"/audits/{audit.pk}/can-do/")
    expect(third.locator("#id_CD1-evidence_notes")).to_have_value("Typed while offline.")
    expect(third.locator("#autosave-status")).to_contain_text("All changes saved at")
    assert Answer.objects.get(audit=audit, question__code="CD1").evidence_notes == "Typed while offline."
    assert Answer.objects.get(audit=audit, question__code="CD3").evidence_notes == "Saved from the second tab."


def test_text_sent_with_the_save_button_is_not_restored_over_a_colleagues_later_answer(browser, live_server, people):
    audit, page, _ = officer_on_a_new_step(browser, live_server, people, "autosave-after-save")
    page.locator("#id_CD1-evidence_notes").fill("Mine, saved with the button.")
    page.get_by_role("button", name="Save and continue to Like to").click()
    expect(page.get_by_role("heading", name="Like to")).to_be_visible()
    cd1 = Answer.objects.get(audit=audit, question__code="CD1")
    assert cd1.evidence_notes == "Mine, saved with the button."

    # A colleague then changes the answer; back on the step, the browser's old copy stays away.
    audit.refresh_from_db()
    services.answers_save(
        audit=audit,
        user=people["manager"],  # the service does not check roles; any other account will do
        expected_version=audit.version,
        answers=[services.AnswerData(question_id=cd1.question_id, evidence_notes="The colleague's, later.")],
    )
    page.goto(f"/audits/{audit.pk}/can-do/")
    expect(page.locator("#id_CD1-evidence_notes")).to_have_value("The colleague's, later.")
    page.wait_for_timeout(2500)  # longer than autosave's delay: nothing is sent
    expect(page.locator("#autosave-status")).to_be_hidden()
    assert Answer.objects.get(pk=cd1.pk).evidence_notes == "The colleague's, later."
