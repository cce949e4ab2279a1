"""Choosing Welsh or English: on every page (the sign-in page too), kept for the visit, and
kept with a signed-in person's account so that it follows them to another browser."""

import pytest
from django.test import Client

from languages.models import LanguagePreference
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_a_visitor_chooses_welsh_on_the_sign_in_page(client):
    page = client.get("/accounts/login/").content.decode()
    assert '<html lang="en-gb">' in page and "Sign in to CLEAR Audit" in page
    assert 'name="language" value="cy" lang="cy"' in page and 'value="en-gb"' not in page
    response = client.post("/language/", {"language": "cy", "next": "/accounts/login/?next=/audits/"})
    assert response.status_code == 302 and response.url == "/accounts/login/?next=/audits/"
    assert response.cookies["django_language"].value == "cy"
    page = client.get(response.url).content.decode()
    assert '<html lang="cy">' in page
    assert "Mewngofnodi i CLEAR Audit" in page and "Neidio i'r prif gynnwys" in page
    assert 'name="language" value="en-gb" lang="en-gb"' in page  # and back to English from here


def test_welsh_chosen_before_signing_in_is_kept_with_the_account(client, officer):
    client.post("/language/", {"language": "cy", "next": "/accounts/login/"})
    client.post("/accounts/login/", {"username": officer.username, "password": PASSWORD})
    assert LanguagePreference.objects.get(user=officer).language == "cy"
    assert "Archwiliadau" in client.get("/audits/").content.decode()


def test_a_choice_made_on_the_sign_in_page_wins_over_the_one_kept(client, officer):
    LanguagePreference.objects.create(user=officer, language="en-gb")
    client.post("/language/", {"language": "cy", "next": "/accounts/login/"})
    client.post("/accounts/login/", {"username": officer.username, "password": PASSWORD})
    assert LanguagePreference.objects.get(user=officer).language == "cy"
    assert '<html lang="cy">' in client.get("/audits/").content.decode()


def test_a_signed_in_persons_choice_follows_them_to_another_browser(officer):
    first = Client()
    first.force_login(officer)
    assert "Audits</a>" in first.get("/audits/").content.decode()
    first.post("/language/", {"language": "cy", "next": "/audits/"})
    assert LanguagePreference.objects.get(user=officer).language == "cy"
    other = Client(headers={"accept-language": "en-GB"})  # a new browser, in English
    other.force_login(officer)
    page = other.get("/audits/").content.decode()
    assert '<html lang="cy">' in page and "Archwiliadau</a>" in page and "Allgofnodi" in page
    other.post("/language/", {"language": "en-gb", "next": "/audits/"})
    assert LanguagePreference.objects.get(user=officer).language == "en-gb"
    assert "Audits</a>" in other.get("/audits/").content.decode()


def test_a_welsh_browser_gets_welsh_before_any_choice():
    page = Client(headers={"accept-language": "cy-GB,cy;q=0.9,en;q=0.5"}).get("/accounts/login/").content.decode()
    assert '<html lang="cy">' in page and "Mewngofnodi" in page


@pytest.mark.parametrize("language", ["xx", "", "fr", "en-gb" * 100])
def test_a_language_not_offered_is_explained_and_changes_nothing(client_for, officer, language):
    client = client_for(officer)
    response = client.post("/language/", {"language": language, "next": "/audits/"}, follow=True)
    page = response.content.decode()
    assert response.status_code == 200, page
    assert "That language is not offered here" in page and '<html lang="en-gb">' in page
    assert "django_language" not in client.cookies or client.cookies["django_language"].value == ""
    assert not LanguagePreference.objects.exists()


@pytest.mark.parametrize(
    "back",
    ["https://elsewhere.example/", "//elsewhere.example/", "/\\elsewhere.example/", "javascript:alert(1)", "abc"],
)
def test_the_switcher_never_sends_anyone_to_another_site(client, back):
    response = client.post("/language/", {"language": "cy", "next": back})
    assert response.status_code == 302 and response.url == "/"
