"""An action plan in a real browser, from diagnosis to the next audit.

A manager plans three actions from an approved audit's suggested responses (one a trial, one
owned by a partner organisation); the officer who owns one opens "My actions" on a 390 px phone,
notes progress and marks it done with the keyboard alone; the next period's audit of the same
scope shows the action beside its question and in its PDF report, which is turned into PNG
images to look at (test-artifacts/). Every page is screenshotted and scanned with axe-core.
"""

import io
import shutil
import subprocess
from pathlib import Path

from playwright.sync_api import expect
from pypdf import PdfReader

from actions.models import Action, ActionStatus
from audits import services
from audits.models import Council, Question

from ..conftest import answer_all
from .test_journey import DESKTOP, PHONE, Keyboard, Mouse, open_as

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "actions-journey"


def _approved(people, period, **ratings):
    council = Council.objects.get(slug="ynys-mon")
    audit = services.audit_create(user=people["officer"], council=council, service=None, period=period)
    audit = answer_all(audit, people["officer"], rating=2, confidence="medium", evidence_notes="Resident survey 2025.")
    if ratings:
        data = [
            services.AnswerData(
                question_id=Question.objects.get(framework=audit.framework, code=code).pk,
                rating=rating,
                evidence_notes="Resident survey 2026.",
            )
            for code, rating in ratings.items()
        ]
        audit = services.answers_save(
            audit=audit, user=people["officer"], answers=data, expected_version=audit.version
        ).audit
    audit = services.audit_submit(audit=audit, user=people["officer"])
    return services.audit_approve(audit=audit, user=people["manager"])


def test_action_plan_journey(browser, live_server, people):
    last_year = _approved(people, "2025/26")

    # The manager plans two actions on Responded to, then a trial on Can do.
    page, driver, visit = open_as(browser, live_server, "manager", DESKTOP, Mouse, "actions-manager")
    page.goto(f"/audits/{last_year.pk}/")
    visit.check("approved audit")
    driver.press('a[href$="?response=responded-to"]')
    expect(page.get_by_role("heading", name="Plan an action: Accountability and leadership")).to_be_visible()
    visit.check("plan form")
    driver.fill("#id_title", "Publish what changed after each consultation")
    # Aimed at RT3 and RT4 alone (the form ticks the weak questions its intervention answers).
    for box in page.locator('input[name="questions"]').all():
        box.uncheck()
    page.get_by_label("RT3:", exact=False).check()
    page.get_by_label("RT4:", exact=False).check()
    driver.select("#id_owner", "Siân Hughes")
    driver.fill("#id_target", "RT3 and RT4 up a level at the next audit")
    # The due date before the start: a message beside it, and what was typed stays.
    driver.fill("#id_due", "2020-01-01")
    driver.press('button:has-text("Save and plan another")')
    expect(page.locator("#id_due_error")).to_contain_text("is before the start date")
    expect(page.locator("#id_title")).to_have_value("Publish what changed after each consultation")
    visit.check("plan form with an error")
    driver.fill("#id_due", "2027-03-31")
    driver.press('button:has-text("Save and plan another")')
    expect(page.get_by_text("Action planned: Publish what changed after each consultation.")).to_be_visible()
    driver.fill("#id_title", "Feedback letters with the tenants' federation")
    driver.select("#id_owner", "— a partner organisation (name it below) —")
    driver.fill("#id_partner", "Menter Môn")
    driver.fill("#id_partner_contact", "Gwen Parry, gwen.parry@example.org")
    driver.fill("#id_due", "2027-03-31")
    driver.press('button:has-text("Save the action")')
    expect(page.get_by_text("Action planned: Feedback letters")).to_be_visible()
    page.goto(f"/audits/{last_year.pk}/")
    driver.press('a[href$="?response=can-do"]')
    driver.fill("#id_title", "Digital help desks in three libraries")
    driver.select("#id_owner", "Gareth Owen")
    page.check("#id_is_trial")
    driver.fill("#id_hypothesis", "Help desks in libraries bring people who never took part before.")
    driver.fill("#id_judged_by", "First-time participants at the next two consultations, against last year's.")
    driver.select("#id_comparison", "Before and after")
    driver.fill("#id_due", "2027-03-31")
    driver.press('button:has-text("Save the action")')
    expect(page.locator("#action-plan")).to_contain_text("Digital help desks in three libraries")
    expect(page.locator("#action-plan tbody tr")).to_have_count(3)
    visit.check("audit with its plan")
    assert Action.objects.filter(is_trial=True).count() == 1
    page.goto("/councils/ynys-mon/dashboard/")
    expect(page.locator("section:has(#plan-h)")).to_contain_text("3 planned")
    visit.check("dashboard with the plan")

    # The officer who owns the first action marks it done, on a phone, with the keyboard.
    phone, keys, phone_visit = open_as(browser, live_server, "officer", PHONE, Keyboard, "actions-owner")
    phone.goto("/actions/mine/")
    phone_visit.check("my actions")
    done = Action.objects.get(title__startswith="Publish")
    keys.press(f'main a[href="/actions/{done.pk}/"]')
    phone_visit.check("action")
    keys.fill("#id_text", "Three “you said, we did” pages published; the fourth is with legal.")
    keys.press('form[action$="/notes/"] button')
    expect(phone.get_by_text("Progress note added.")).to_be_visible()
    keys.select("#id_status", "Done")
    keys.press('form[action$="/status/"] button')
    expect(phone.get_by_text("Status: done.")).to_be_visible()
    expect(phone.locator("#history-h ~ div")).to_contain_text("Planned → Done")
    phone_visit.check("action done")
    done.refresh_from_db()
    assert done.status == ActionStatus.DONE

    # The next period's audit of the same scope: RT3 and RT4 rose a level.
    this_year = _approved(people, "2026/27", RT3=3, RT4=3)
    page.goto(f"/audits/{this_year.pk}/")
    expect(page.locator("#followup")).to_contain_text(
        "1 of 2 actions on Responded to was done; RT3 and RT4 rose a level"
    )
    visit.check("next audit")
    page.goto(f"/audits/{this_year.pk}/responded-to/")
    expect(page.locator("#q-RT4")).to_contain_text("Publish what changed after each consultation")
    expect(page.locator("#q-RT4")).to_contain_text("improved after action")
    visit.check("next audit's step")
    pdf = page.request.get(f"/audits/{this_year.pk}/report.pdf").body()
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())
    assert "What the last plan changed" in text and "RT3 and RT4 rose a level" in text
    assert "Publish what changed after each consultation" in text
    # Turned into images to look at, beside the screenshots.
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "next-audit.pdf").write_bytes(pdf)
    if shutil.which("pdftoppm"):
        subprocess.run(
            ["pdftoppm", "-png", "-r", "60", str(ARTIFACTS / "next-audit.pdf"), str(ARTIFACTS / "page")], check=True
        )
        assert list(ARTIFACTS.glob("page-*.png"))

    for v in (visit, phone_visit):
        v.assert_accessible()
