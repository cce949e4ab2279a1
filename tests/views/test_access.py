"""Every URL of the app, for every role and for a member of another council.

Two layers:
- ``test_no_leak_and_no_write_without_the_right_role`` walks every URL pattern it finds in
  ``audits.urls`` (GET and POST, every role): nobody outside the council sees its name or
  changes anything, and councillors (read-only) change nothing. New URLs are walked without
  anyone adding them anywhere.
- The table below pins the exact answer of each URL for each role; a new URL fails
  ``test_every_url_is_in_the_table`` until its expected answers are written down here.
"""

import pytest
from django.urls import reverse

from audits.models import Answer, Audit, AuditEvent, BundleState, Council, ReportBundle
from audits.urls import app_name, urlpatterns

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
    # Reopening a draft is refused with a message on the audit's page (nothing changes).
    "reopen": {("POST", r): s for r, s in zip(ROLES, [403, 302, 403, 404], strict=True)},
    "history": {("GET", r): s for r, s in zip(ROLES, [200, 200, 200, 404], strict=True)},
    "autosave": {("POST", r): s for r, s in zip(ROLES, [200, 403, 403, 404], strict=True)},
    "about": {("GET", r): 200 for r in ROLES},
    "method": {("GET", r): 200 for r in ROLES},
    # Everyone who may read the reports may have them rendered into one zip.
    "council-reports": {
        **{("GET", r): s for r, s in zip(ROLES, [200, 200, 200, 404], strict=True)},
        **{("POST", r): s for r, s in zip(ROLES, [302, 302, 302, 404], strict=True)},
    },
    "report-bundle": {("GET", r): s for r, s in zip(ROLES, [200, 200, 200, 404], strict=True)},
    "report-bundle-progress": {("GET", r): s for r, s in zip(ROLES, [200, 200, 200, 404], strict=True)},
    "report-bundle-download": {("GET", r): s for r, s in zip(ROLES, [200, 200, 200, 404], strict=True)},
}


# How to fill each URL parameter, by its name in the pattern. A new parameter name fails
# the walk with a message saying to add it here.
def finished_bundle(audit):
    return ReportBundle.objects.create(
        council=audit.council,
        requested_by=audit.created_by,
        state=BundleState.DONE,
        done=1,
        total=1,
        filename="reports.zip",
        content=b"PK",
    ).pk


PARAMETERS = {
    "pk": lambda audit: audit.pk,
    "council_slug": lambda audit: audit.council.slug,
    "factor": lambda audit: "can-do",
    "bundle_id": finished_bundle,
}


def url_for(name, audit):
    pattern = next(p for p in urlpatterns if p.name == name)
    names = pattern.pattern.converters.keys()
    missing = set(names) - set(PARAMETERS)
    assert not missing, f"teach tests/views/test_access.py PARAMETERS how to fill {missing} for {name}"
    return reverse(f"{app_name}:{name}", kwargs={n: PARAMETERS[n](audit) for n in names})


def post_data(name, audit):
    return {
        "create": {"service": "", "period": "2025/26"},
        "step": step_post_data(audit),
        "autosave": step_post_data(audit),
        "review": {"decision": "approve", "version": audit.version},
        "council-settings": {"benchmark_opt_in": "on"},
        "reopen": {"reason": "Figures corrected"},
    }.get(name, {})


def snapshot():
    """Everything a write could change."""
    return (
        list(Answer.objects.order_by("pk").values_list("pk", "rating", "evidence_notes", "audit_version")),
        list(Audit.objects.order_by("pk").values_list("pk", "status", "version", "revision")),
        AuditEvent.objects.count(),
        list(Council.objects.order_by("pk").values_list("pk", "benchmark_opt_in")),
    )


WALK = [
    (p.name, method, role, state)
    for p in urlpatterns
    for method in ("GET", "POST")
    for role in ("councillor", "outsider")
    for state in ("complete_audit", "submitted_audit", "approved_audit")
]


@pytest.mark.parametrize(
    ("name", "method", "role", "state"), WALK, ids=[f"{m} {n} as {r} on {s}" for n, m, r, s in WALK]
)
def test_no_leak_and_no_write_without_the_right_role(request, client, other_council, name, method, role, state):
    """Whatever the URL and the audit's status: a member of another council gets nothing of
    this council (404, or a page about their own), and a councillor (read-only) changes nothing."""
    audit = request.getfixturevalue(state)
    client.force_login(request.getfixturevalue(role))
    before = snapshot()
    url = url_for(name, audit)
    data = {**post_data(name, audit), "decision": "approve", "version": audit.version, "reason": "Checking"}
    response = client.get(url) if method == "GET" else client.post(url, data)
    assert snapshot() == before
    if role == "outsider":
        assert response.status_code in (200, 302, 404, 405), response.status_code
        assert audit.council.name not in response.content.decode()
        if response.status_code == 302:
            assert audit.council.slug not in response.url and f"/{audit.pk}/" not in response.url
    else:
        assert response.status_code in (200, 302, 403, 405), response.status_code


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
