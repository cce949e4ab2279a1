"""The audit journey in a real browser, three ways: with a mouse on a desktop screen, with the
keyboard alone, and on a phone-sized screen.

An officer starts an audit, completes the five factors and submits it; a manager returns it with
a comment; the officer corrects it and resubmits; the manager approves it; a councillor reads
the approved profile. Every page is screenshotted and scanned with axe-core.
"""

import io
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from audits.factors import FACTOR_ORDER
from audits.models import Audit, AuditStatus, Question

from .conftest import PASSWORD, Visit

# The profile the officer enters: rating per factor (one Can do answer is "don't know").
RATINGS = {"can_do": "1", "like_to": "4", "enabled_to": "3", "asked_to": "2", "responded_to": "2"}
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


class Mouse:
    """Points and clicks."""

    def __init__(self, page: Page):
        self.page = page

    def fill(self, selector: str, text: str) -> None:
        self.page.fill(selector, text)

    def choose(self, name: str, value: str) -> None:
        self.page.check(f'input[name="{name}"][value="{value}"]')

    def select(self, selector: str, label: str) -> None:
        self.page.select_option(selector, label=label)

    def press(self, selector: str) -> None:
        self.page.click(selector)

    def download(self, selector: str) -> bytes:
        with self.page.expect_download() as info:
            self.activate(selector)
        return Path(info.value.path()).read_bytes()

    def activate(self, selector: str) -> None:
        self.page.click(selector)

    def open_menu(self) -> None:
        toggler = self.page.locator(".navbar-toggler")
        if toggler.is_visible():
            toggler.click()

    def sign_out(self) -> None:
        toggler = self.page.locator(".navbar-toggler")
        if toggler.is_visible():
            toggler.click()
        self.page.get_by_role("button", name="Sign out").click()


class Keyboard(Mouse):
    """Tab, Shift+Tab, Enter, Space, and the arrow keys inside a radio group; typing into fields."""

    MAX_TABS = 400

    def focus_by_tab(self, selector: str) -> None:
        for _ in range(self.MAX_TABS):
            if self.page.evaluate("s => document.activeElement && document.activeElement.matches(s)", selector):
                return
            self.page.keyboard.press("Tab")
        raise AssertionError(f"{selector} cannot be reached with the Tab key")

    def fill(self, selector: str, text: str) -> None:
        self.focus_by_tab(selector)
        self.page.keyboard.press("Control+A")
        self.page.keyboard.type(text)

    def choose(self, name: str, value: str) -> None:
        self.focus_by_tab(f'input[name="{name}"]')
        target = f'input[name="{name}"][value="{value}"]'
        for _ in range(6):
            if self.page.evaluate("s => document.activeElement.matches(s)", target):
                self.page.keyboard.press("Space")
                break
            self.page.keyboard.press("ArrowDown")
        expect(self.page.locator(target)).to_be_checked()

    def select(self, selector: str, label: str) -> None:
        self.focus_by_tab(selector)
        self.page.keyboard.type(label[:3])  # a focused <select> jumps to the typed option
        chosen = self.page.evaluate(
            "s => { const e = document.querySelector(s); return e.options[e.selectedIndex].text }", selector
        )
        assert chosen == label

    def press(self, selector: str) -> None:
        """Enter on a link or button; every one we press loads a new page."""
        self.focus_by_tab(selector)
        with self.page.expect_navigation():
            self.page.keyboard.press("Enter")

    def activate(self, selector: str) -> None:
        self.focus_by_tab(selector)
        self.page.keyboard.press("Enter")

    def open_menu(self) -> None:
        pass  # the keyboard journeys run on a desktop screen, where the menu is always open

    def sign_out(self) -> None:
        self.press('form[action="/accounts/logout/"] button')


def open_as(browser, live_server, username, viewport, driver_class, visit_name):
    context = browser.new_context(viewport=viewport, base_url=live_server.url, locale="en-GB")
    page = context.new_page()
    page.goto("/accounts/login/")
    driver = driver_class(page)
    visit = Visit(page, visit_name)
    visit.check(f"{username} login")
    driver.fill("#id_username", username)
    driver.fill("#id_password", PASSWORD)
    driver.press('main button[type="submit"]')
    expect(page.get_by_role("heading", name="Audits", exact=True)).to_be_visible()
    return page, driver, visit


def answer_factor(page, driver, factor: str) -> None:
    questions = Question.objects.filter(framework__is_current=True, factor=factor).order_by("order")
    for i, q in enumerate(questions):
        value = "dk" if factor == "can_do" and i == 0 else RATINGS[factor]
        driver.choose(f"{q.code}-rating", value)
    first = questions[0].code
    driver.fill(f"#id_{first}-evidence_notes", f"Evidence for {first}: resident survey 2025.")
    driver.select(f"#id_{first}-confidence", "Medium")


JOURNEYS = {
    "desktop": (DESKTOP, Mouse),
    "keyboard": (DESKTOP, Keyboard),
    "phone": (PHONE, Mouse),
}


@pytest.mark.parametrize("journey", list(JOURNEYS))
def test_audit_journey(browser, live_server, people, journey):
    viewport, driver_class = JOURNEYS[journey]
    visits = []

    # 1. The officer starts an audit of Planning and completes the five factors.
    page, driver, visit = open_as(browser, live_server, "officer", viewport, driver_class, f"{journey}-officer")
    visits.append(visit)
    visit.check("audit list")
    driver.press('a[href="/councils/ynys-mon/audits/new/"]')
    visit.check("start an audit")
    driver.select("#id_service", "Planning")
    driver.press('main button[type="submit"]')
    expect(page.get_by_text("Audit started: Planning")).to_be_visible()
    for n, factor in enumerate(FACTOR_ORDER):
        if n == 0:
            visit.check("first factor, empty")
        answer_factor(page, driver, factor)
        driver.press('button[name="next"][value="next"]')
        expect(page.locator(".alert-success")).to_contain_text("your answers are saved")
    expect(page.locator("h1")).to_contain_text("Ynys Môn: Planning")
    visit.check("audit overview before submission")
    driver.press('form[action$="/submit/"] button')
    expect(page.get_by_text("Audit submitted")).to_be_visible()
    visit.check("submitted")
    driver.sign_out()
    expect(page.get_by_role("heading", name="Sign in to CLEAR Audit")).to_be_visible()
    audit = Audit.objects.get()
    assert audit.status == AuditStatus.SUBMITTED

    # 2. The manager returns it with a comment.
    page, driver, visit = open_as(browser, live_server, "manager", viewport, driver_class, f"{journey}-manager")
    visits.append(visit)
    # From "Needs your action" at the top of the list, to the review page.
    driver.press(f'a[href="/audits/{audit.pk}/review/"]')
    visit.check("review")
    driver.fill("#id_comment", "Please add evidence for the Responded to answers.")
    driver.press('button[name="decision"][value="return"]')
    expect(page.get_by_text("Audit returned to the officers")).to_be_visible()

    # 3. The officer sees the comment, corrects Responded to and resubmits.
    page, driver, visit = open_as(browser, live_server, "officer", viewport, driver_class, f"{journey}-officer-again")
    visits.append(visit)
    driver.press(f'a[href="/audits/{audit.pk}/"]')
    returned = page.get_by_role("region", name=re.compile("^Returned by"))
    expect(returned.get_by_text("Please add evidence for the Responded to answers.")).to_be_visible()
    visit.check("returned audit")
    driver.press(f'a[href="/audits/{audit.pk}/responded-to/"]')
    first = Question.objects.filter(framework__is_current=True, factor="responded_to").order_by("order").first().code
    driver.fill(f"#id_{first}-evidence_notes", "Committee reports 2026: 8 of 10 have a consultation section.")
    driver.choose(f"{first}-rating", "3")
    visit.check("correcting")
    driver.press('button[name="next"][value="next"]')
    driver.press('form[action$="/submit/"] button')
    expect(page.get_by_text("Audit submitted")).to_be_visible()

    # 4. The manager approves it.
    page, driver, visit = open_as(browser, live_server, "manager", viewport, driver_class, f"{journey}-manager-again")
    visits.append(visit)
    driver.press(f'a[href="/audits/{audit.pk}/review/"]')
    driver.press('button[name="decision"][value="approve"]')
    expect(page.get_by_text("This audit is approved and read-only.")).to_be_visible()
    visit.check("approved")
    pdf = driver.download(f'a[href="/audits/{audit.pk}/report.pdf"]')
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "Ynys Môn" in text and "Capacity building" in text and "DRAFT" not in text

    # 5. The councillor reads the approved profile and its first suggested response.
    page, driver, visit = open_as(browser, live_server, "councillor", viewport, driver_class, f"{journey}-councillor")
    visits.append(visit)
    driver.press(f'a[href="/audits/{audit.pk}/"]')
    expect(page.locator("#responses-heading + p + article h3")).to_contain_text("1. Capacity building")
    expect(page.get_by_text("Submit for review")).to_have_count(0)
    visit.check("councillor reads")
    driver.open_menu()
    driver.press('a.nav-link[href="/dashboard/"]')
    expect(page.locator("h1")).to_contain_text("CLEAR dashboard")
    expect(page.get_by_text("From the mean of the latest approved audits of 1 service")).to_be_visible()
    expect(page.locator(f'a[href="/audits/{audit.pk}/"]')).to_have_count(5)  # a heatmap cell per factor
    visit.check("dashboard")
    driver.press('#resp-h ~ p a[href="/about/method/"]')
    expect(page.locator("h1")).to_contain_text("How CLEAR Audit scores an audit")
    expect(page.get_by_text("A barrier is never averaged away.")).to_be_visible()
    visit.check("method")

    audit.refresh_from_db()
    assert audit.status == AuditStatus.APPROVED
    for visit in visits:
        visit.assert_accessible()


def test_an_officer_of_another_council_gets_not_found(browser, live_server, people):
    from audits import services
    from audits.models import Council

    audit = services.audit_create(
        user=people["officer"], council=Council.objects.get(slug="ynys-mon"), service=None, period="2026/27"
    )
    page, _, visit = open_as(browser, live_server, "officer2", DESKTOP, Mouse, "outsider")
    response = page.goto(f"/audits/{audit.pk}/")
    assert response.status == 404
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    assert "Ynys Môn" not in page.content()
    visit.check("not found")
    visit.assert_accessible()
