"""Every URL of the app, for every role and for a member of another council.

The table below must name every URL pattern of the audits app: a new URL fails
``test_every_url_is_in_the_table`` until its expected answers are written down here.
"""

import pytest

from audits.models import Answer, Audit
from audits.urls import urlpatterns

from .helpers import step_post_data

ROLES = ["officer", "manager", "councillor", "outsider"]

# url name -> {(method, role): status}. The audit is a draft of the officers' council.
EXPECTED = {
    "list": {("GET", r): 200 for r in ROLES},
    "create": {
        **{("GET", r): s for r, s in zip(ROLES, [200, 403, 403, 404], strict=True)},
        **{("POST", r): s for r, s in zip(ROLES, [302, 403, 403, 404], strict=True)},
    },
    "detail": {("GET", r): s for r, s in zip(ROLES, [200, 200, 200, 404], strict=True)},
    # The picker shows one's own councils only (the outsider is sent to their own council).
    "dashboard-picker": {("GET", r): 302 for r in ROLES},
    "dashboard": {("GET", r): s for r, s in zip(ROLES, [200, 200, 200, 404], strict=True)},
    "dashboard-csv": {("GET", r): s for r, s in zip(ROLES, [200, 200, 200, 404], strict=True)},
    "council-settings": {
        **{("GET", r): s for r, s in zip(ROLES, [403, 200, 403, 404], strict=True)},
        **{("POST", r): s for r, s in zip(ROLES, [403, 302, 403, 404], strict=True)},
    },
    "report": {("GET", r): s for r, s in zip(ROLES, [200, 200, 200, 404], strict=True)},
    "council-report": {("GET", r): s for r, s in zip(ROLES, [200, 200, 200, 404], strict=True)},
    "step": {
        **{("GET", r): s for r, s in zip(ROLES, [200, 200, 200, 404], strict=True)},
        **{("POST", r): s for r, s in zip(ROLES, [302, 403, 403, 404], strict=True)},
    },
    # Submitting an incomplete draft re-renders the page with what is missing.
    "submit": {("POST", r): s for r, s in zip(ROLES, [200, 403, 403, 404], strict=True)},
    # Reviewing a draft is refused: the page comes back with the reason (409 Conflict).
    "review": {("POST", r): s for r, s in zip(ROLES, [403, 409, 403, 404], strict=True)},
}


def url_for(name, audit):
    return {
        "list": "/audits/",
        "create": f"/councils/{audit.council.slug}/audits/new/",
        "detail": f"/audits/{audit.pk}/",
        "report": f"/audits/{audit.pk}/report.pdf",
        "dashboard-picker": "/dashboard/",
        "dashboard": f"/councils/{audit.council.slug}/dashboard/",
        "dashboard-csv": f"/councils/{audit.council.slug}/dashboard.csv",
        "council-settings": f"/councils/{audit.council.slug}/settings/",
        "council-report": f"/councils/{audit.council.slug}/report.pdf",
        "step": f"/audits/{audit.pk}/can-do/",
        "submit": f"/audits/{audit.pk}/submit/",
        "review": f"/audits/{audit.pk}/review/",
    }[name]


def post_data(name, audit):
    return {
        "create": {"service": "", "period": "2025/26"},
        "step": step_post_data(audit),
        "review": {"decision": "approve", "version": audit.version},
        "council-settings": {"benchmark_opt_in": "on"},
    }.get(name, {})


def test_every_url_is_in_the_table():
    assert {pattern.name for pattern in urlpatterns} == set(EXPECTED)


CASES = [(name, method, role, status) for name, table in EXPECTED.items() for (method, role), status in table.items()]


@pytest.mark.parametrize(("name", "method", "role", "status"), CASES, ids=[f"{m} {n} as {r}" for n, m, r, _ in CASES])
def test_access(request, client, audit, other_council, name, method, role, status):
    user = request.getfixturevalue(role)
    client.force_login(user)
    answers_before = Answer.objects.count()
    audits_before = list(Audit.objects.values_list("pk", "status", "version"))
    url = url_for(name, audit)
    response = client.get(url) if method == "GET" else client.post(url, post_data(name, audit))
    assert response.status_code == status
    if status in (403, 404):
        assert Answer.objects.count() == answers_before
        assert list(Audit.objects.values_list("pk", "status", "version")) == audits_before
    if role == "outsider":
        assert "Ynys Môn" not in response.content.decode()


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_anonymous_users_are_sent_to_the_login_page(client, audit, name):
    method = "GET" if ("GET", "officer") in EXPECTED[name] else "POST"
    url = url_for(name, audit)
    response = client.get(url) if method == "GET" else client.post(url, post_data(name, audit))
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_other_councils_audits_are_404_even_for_their_managers(client, audit, other_council):
    from audits.models import Membership, Role

    from ..conftest import _user

    boss = _user("other-manager", other_council, Role.MANAGER)
    client.force_login(boss)
    assert client.get(f"/audits/{audit.pk}/").status_code == 404
    assert client.post(f"/audits/{audit.pk}/review/", {"decision": "approve"}).status_code == 404
    assert Membership.objects.filter(user=boss).count() == 1
