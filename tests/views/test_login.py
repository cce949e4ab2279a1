def test_the_login_page_signs_in_and_opens_the_audit_list(client, officer):
    page = client.get("/accounts/login/").content.decode()
    assert 'autocomplete="current-password"' in page
    response = client.post("/accounts/login/", {"username": "officer", "password": "a-long-test-password"}, follow=True)
    assert response.redirect_chain[-1][0] == "/audits/"
    assert "Signed in as Siân Hughes" in response.content.decode()


def test_a_wrong_password_is_explained_and_the_username_kept(client, officer):
    response = client.post("/accounts/login/", {"username": "officer", "password": "wrong"})
    page = response.content.decode()
    assert "Please enter a correct username and password" in page
    assert 'value="officer"' in page


def test_the_home_page_sends_visitors_to_the_login_page(client, db):
    response = client.get("/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/accounts/login/")


def test_a_forgotten_password_is_reset_through_an_emailed_link(client, officer, mailoutbox):
    import re

    officer.email = "sian@example.org"
    officer.save()
    assert "Forgot your password?" in client.get("/accounts/login/").content.decode()
    client.post("/accounts/password_reset/", {"email": "sian@example.org"})
    (mail,) = mailoutbox
    link = re.search(r"http://testserver(/accounts/reset/\S+)", mail.body)[1]
    form_url = client.get(link).url  # Django swaps the token for a session-held one
    response = client.post(
        form_url, {"new_password1": "a-brand-new-passphrase", "new_password2": "a-brand-new-passphrase"}
    )
    assert response.url == "/accounts/reset/done/"
    response = client.post("/accounts/login/", {"username": "officer", "password": "a-brand-new-passphrase"})
    assert response.status_code == 302 and response.url == "/audits/"


def test_an_unknown_address_gets_the_same_answer_and_no_mail(client, db, mailoutbox):
    response = client.post("/accounts/password_reset/", {"email": "nobody@example.org"}, follow=True)
    assert "Check your e-mail" in response.content.decode()
    assert mailoutbox == []


def test_password_guessing_is_locked_out_after_five_failures(client, officer):
    for _ in range(5):
        client.post("/accounts/login/", {"username": "officer", "password": "guess"})
    response = client.post("/accounts/login/", {"username": "officer", "password": "a-long-test-password"})
    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session
