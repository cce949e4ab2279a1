"""Cymraeg in a real browser: a visitor chooses Welsh on the sign-in page with the keyboard,
signs in, and the pages' frame (menu, sign-out, footer) reads in Welsh with lang="cy", on a
desktop and on a 390 px phone; axe-core finds nothing serious. (The pages' own text is being
translated template by template: tests/test_catalogue.py lists what remains.)"""

from playwright.sync_api import expect

from languages.models import LanguagePreference

from .conftest import PASSWORD, Visit
from .test_journey import DESKTOP, PHONE


def test_a_visitor_signs_in_and_works_in_welsh(browser, live_server, people):
    for viewport, name in ((DESKTOP, "welsh-desktop"), (PHONE, "welsh-phone")):
        context = browser.new_context(viewport=viewport, base_url=live_server.url, locale="en-GB")
        page = context.new_page()
        visit = Visit(page, name)
        page.goto("/accounts/login/")
        expect(page.locator("html")).to_have_attribute("lang", "en-gb")
        # With the keyboard: "Cymraeg" focused, then Enter.
        switch = page.get_by_role("button", name="Cymraeg")
        switch.focus()
        page.keyboard.press("Enter")
        expect(page.locator("html")).to_have_attribute("lang", "cy")
        expect(page.get_by_role("heading", name="Mewngofnodi i CLEAR Audit")).to_be_visible()
        visit.check("sign-in page in Welsh")
        page.get_by_label("Enw defnyddiwr").fill("officer")
        page.get_by_label("Cyfrinair").fill(PASSWORD)
        page.locator('main button[type="submit"]').click()
        expect(page.locator("html")).to_have_attribute("lang", "cy")
        if viewport is PHONE:
            page.locator(".navbar-toggler").click()
        expect(page.get_by_role("link", name="Archwiliadau")).to_be_visible()
        expect(page.get_by_role("button", name="Allgofnodi")).to_be_visible()
        visit.check("audit list in Welsh")
        page.goto("/about/")
        visit.check("about page in Welsh")
        visit.assert_accessible()
        context.close()
    assert LanguagePreference.objects.get(user=people["officer"]).language == "cy"
