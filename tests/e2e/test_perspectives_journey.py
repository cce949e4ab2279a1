"""Several perspectives in a real browser.

A manager invites a community organisation and asks a councillor by e-mail; the organisation answers on a 390 px phone through
its link (tapping, then with the keyboard alone), and comes back to find its answers; a
councillor rates while signed in; the officer sees the divergences and explains them; the
manager approves and the PDF has the perspectives' section; the link is then closed. Every page
is screenshotted and scanned with axe-core.
"""

import io
import re

from django.core import mail
from django.core.management import call_command
from playwright.sync_api import expect
from pypdf import PdfReader

from audits import services
from audits.models import Audit, AuditStatus, Council, Question
from perspectives.models import PerspectiveAnswer

from ..conftest import answer_all
from .conftest import Visit
from .test_journey import DESKTOP, PHONE, Keyboard, Mouse, open_as


def _submitted_audit(people):
    council = Council.objects.get(slug="ynys-mon")
    audit = services.audit_create(user=people["officer"], council=council, service=None, period="2026/27")
    audit = answer_all(audit, people["officer"], rating=2, confidence="medium", evidence_notes="Resident survey 2025.")
    return services.audit_submit(audit=audit, user=people["officer"])


def test_perspectives_journey(browser, live_server, people):
    audit = _submitted_audit(people)
    codes = list(Question.objects.filter(framework=audit.framework).order_by("order").values_list("code", flat=True))
    cd1, cd2, cd3 = codes[:3]

    # The manager invites a community organisation and copies its link.
    page, driver, manager_visit = open_as(browser, live_server, "manager", DESKTOP, Mouse, "perspectives-manager")
    page.goto(f"/audits/{audit.pk}/")
    driver.press("text=Invite an organisation")
    manager_visit.check("invite form")
    driver.fill("#id_name", "Riverside Tenants")
    driver.select("#id_kind", "Community organisation")
    driver.press('main button[type="submit"]')
    expect(page.get_by_role("heading", name="The link to send")).to_be_visible()
    manager_visit.check("invitation made")
    link = page.input_value("#invitation-link")
    assert "/respond/" in link

    # … and asks the councillor, by e-mail, to give her ratings.
    people["councillor"].email = "eleri@example.org"
    people["councillor"].save()
    page.goto(f"/audits/{audit.pk}/perspectives/")
    driver.press("text=Ask the councillors")
    manager_visit.check("ask the councillors")
    page.check(f"#councillor-{people['councillor'].pk}")
    driver.press('button:has-text("Ask by e-mail")')
    expect(page.get_by_text("1 councillor asked by e-mail")).to_be_visible()
    # The task worker sends it (`manage.py db_worker`, beside the app in production).
    call_command("db_worker", batch=True, startup_delay=False, queue_name="default", verbosity=0)
    (asked,) = [m for m in mail.outbox if m.to == ["eleri@example.org"]]
    rate_url = re.search(r"https?://\S+/perspectives/mine/", asked.body).group(0)

    # The organisation answers on a phone, without an account: tapping first, then the keyboard.
    phone = browser.new_context(viewport=PHONE, locale="en-GB")
    org = phone.new_page()
    org.goto(link)
    org_visit = Visit(org, "perspectives-organisation")
    expect(org.get_by_role("heading", name="Ynys Môn asks for your view")).to_be_visible()
    org_visit.check("respondent page")
    Mouse(org).choose(f"{cd1}-choice", "4")
    expect(org.locator(f"#q-{cd1} [data-status]")).to_have_text(re.compile("Saved"))
    keys = Keyboard(org)
    keys.choose(f"{cd2}-choice", "4")
    expect(org.locator(f"#q-{cd2} [data-status]")).to_have_text(re.compile("Saved"))
    keys.fill(f"#id_{cd2}-comment", "Our members never hear back after consultations.")
    org.keyboard.press("Tab")  # leaving the comment saves it
    expect(org.locator(f"#q-{cd2} [data-status]")).to_have_text(re.compile("Saved"))
    keys.choose(f"{cd3}-choice", "dk")
    expect(org.locator(f"#q-{cd3} [data-status]")).to_have_text(re.compile("Saved"))
    org_visit.check("respondent answered")
    # Coming back through the same link finds the answers.
    org.goto(link)
    expect(org.locator(f'input[name="{cd2}-choice"][value="4"]')).to_be_checked()
    expect(org.locator(f"#id_{cd2}-comment")).to_have_value("Our members never hear back after consultations.")
    answers = PerspectiveAnswer.objects.filter(invitation__isnull=False)
    assert sorted(answers.values_list("question__code", "rating", "dont_know")) == sorted(
        [(cd1, 4, False), (cd2, 4, False), (cd3, None, True)]
    )

    # A councillor rates while signed in.
    cpage, cdriver, councillor_visit = open_as(
        browser, live_server, "councillor", DESKTOP, Mouse, "perspectives-councillor"
    )
    cpage.goto(rate_url)  # the address in the e-mail
    cdriver.choose(f"{codes[10]}-choice", "4")
    expect(cpage.locator(f"#q-{codes[10]} [data-status]")).to_have_text(re.compile("Saved"))
    councillor_visit.check("councillor ratings")

    # The officer sees the divergences, largest first, and explains each.
    opage, odriver, officer_visit = open_as(browser, live_server, "officer", DESKTOP, Mouse, "perspectives-officer")
    opage.goto(f"/audits/{audit.pk}/")
    expect(opage.get_by_text("3 questions where the officers and another perspective")).to_be_visible()
    odriver.press("text=Compare the perspectives")
    officer_visit.check("comparison")
    expect(opage.locator(f"#divergence-{cd2}")).to_contain_text("Our members never hear back")
    for code in (cd1, cd2, codes[10]):
        odriver.fill(f"#note-{code}", f"{code}: the survey says otherwise; we will ask the tenants at the forum.")
        odriver.press(f'button:has-text("Save note on {code}")')
        expect(opage.get_by_text(f"Note on {code} saved")).to_be_visible()
    officer_visit.check("notes written")

    # The manager approves; the PDF has the perspectives' section.
    page.goto(f"/audits/{audit.pk}/review/")
    expect(page.get_by_text("Not ready to approve")).to_have_count(0)
    manager_visit.check("ready to approve")
    driver.press('button[value="approve"]')
    expect(page.get_by_text("Audit approved")).to_be_visible()
    assert Audit.objects.get(pk=audit.pk).status == AuditStatus.APPROVED
    pdf = page.request.get(f"/audits/{audit.pk}/report.pdf").body()
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "Where perspectives disagree" in text and "Riverside Tenants" in text and "the survey says otherwise" in text

    # The link is closed now, and says so without the council's data.
    org.goto(link)
    expect(org.get_by_text("now approved, so this link is closed")).to_be_visible()
    assert "Ynys Môn" not in org.content()
    org_visit.check("link closed")

    for visit in (manager_visit, org_visit, councillor_visit, officer_visit):
        visit.assert_accessible()
