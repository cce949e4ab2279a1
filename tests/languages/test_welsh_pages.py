"""The pages translated so far read in Welsh: the account pages (password reset and its
e-mail, the lockout) and the error pages."""

import pytest
from django.core import mail

pytestmark = pytest.mark.django_db


def welsh(client):
    client.post("/language/", {"language": "cy", "next": "/"})
    return client


def test_a_welsh_reader_resets_their_password_in_welsh(client, officer):
    officer.email = "officer@ynysmon.example"
    officer.save(update_fields=["email"])
    page = welsh(client).get("/accounts/password_reset/").content.decode()
    assert "Ailosod eich cyfrinair" in page and "Cyfeiriad e-bost" in page
    response = client.post("/accounts/password_reset/", {"email": officer.email}, follow=True)
    assert "Gwiriwch eich e-bost" in response.content.decode()
    [message] = mail.outbox
    assert message.subject == "CLEAR Audit: ailosod eich cyfrinair"
    assert message.body.startswith("Helo Siân Hughes,") and "I ddewis cyfrinair newydd" in message.body
    link = next(line for line in message.body.splitlines() if "/reset/" in line)
    page = client.get(link.split("testserver", 1)[-1], follow=True).content.decode()
    assert "Dewiswch gyfrinair newydd" in page


def test_a_welsh_reader_gets_the_error_pages_in_welsh(client_for, officer, other_council):
    client = welsh(client_for(officer))
    page = client.get("/audits/999999/").content.decode()
    assert '<html lang="cy">' in page and "Heb ddod o hyd i'r dudalen" in page
    page = client.get("/councils/" + other_council.slug + "/dashboard/").content.decode()
    assert "Heb ddod o hyd i'r dudalen" in page  # another council's page: a 404, in Welsh
