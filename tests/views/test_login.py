from ..conftest import PASSWORD


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
    assert "signing in with this username from your connection is paused" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_username_longer_than_any_account_is_refused_with_a_message(client, officer):
    """Over 255 characters, django-axes could not record the failure: a server error on PostgreSQL."""
    response = client.post("/accounts/login/", {"username": "o" * 300, "password": "guess"})
    assert response.status_code == 200
    assert "Usernames have at most 150 characters; this one has 300." in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_long_username_on_the_admin_login_is_refused_without_an_error(client, db):
    response = client.post("/admin/login/?next=/admin/", {"username": "o" * 300, "password": "guess"})
    assert response.status_code == 200
    assert "Please enter the correct username and password" in response.content.decode()


def test_guessing_across_many_usernames_locks_the_address_but_not_others(client, officer):
    """Four guesses at each of 20 usernames stay under the per-username limit, not the address's."""
    guesser = {"REMOTE_ADDR": "203.0.113.7"}
    for n in range(20):
        for _ in range(4):
            client.post("/accounts/login/", {"username": f"user{n}", "password": "guess"}, **guesser)
    response = client.post("/accounts/login/", {"username": "officer", "password": PASSWORD}, **guesser)
    assert response.status_code == 429
    assert "Too many sign-ins failed from your connection, whatever the username" in response.content.decode()
    assert "_auth_user_id" not in client.session

    response = client.post(
        "/accounts/login/", {"username": "officer", "password": PASSWORD}, REMOTE_ADDR="198.51.100.2"
    )
    assert response.status_code == 302 and response.url == "/audits/"


def test_one_valid_account_does_not_clear_the_address_record(client, officer, settings):
    """Signing in resets that username's failures only: the guesses at other usernames still count."""
    settings.AXES_ADDRESS_FAILURE_LIMIT = 10
    guesser = {"REMOTE_ADDR": "203.0.113.7"}
    for n in range(2):
        for _ in range(4):
            client.post("/accounts/login/", {"username": f"user{n}", "password": "guess"}, **guesser)
    assert client.post("/accounts/login/", {"username": "officer", "password": PASSWORD}, **guesser).status_code == 302
    client.logout()
    for _ in range(2):
        client.post("/accounts/login/", {"username": "user99", "password": "guess"}, **guesser)
    response = client.post("/accounts/login/", {"username": "officer", "password": PASSWORD}, **guesser)
    assert response.status_code == 429
