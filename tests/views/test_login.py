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
