from django.db import connection
from django.test.utils import CaptureQueriesContext

from audits import services
from audits.models import Question, Service

from ..conftest import answer_all


def test_it_lists_the_users_councils_audits_with_progress(client_for, audit, officer, other_council, outsider):
    services.audit_create(user=outsider, council=other_council, service=None, period="2026/27")
    page = client_for(officer).get("/audits/").content.decode()
    assert "Planning" in page and "2026/27" in page
    assert "Rhondda Cynon Taf" not in page
    assert f"0 of {Question.objects.filter(framework=audit.framework).count()}" in page
    assert "Start an audit" in page


def test_councillors_are_not_offered_to_start_an_audit(client_for, audit, councillor):
    page = client_for(councillor).get("/audits/").content.decode()
    assert "Planning" in page
    assert "Start an audit" not in page


def test_it_filters_by_status(client_for, audit, submitted_audit, council, officer):
    whole = services.audit_create(user=officer, council=council, service=None, period="2025/26")
    page = client_for(officer).get("/audits/?status=draft").content.decode()
    assert f'href="/audits/{whole.pk}/"' in page
    assert f'href="/audits/{submitted_audit.pk}/"' not in page


def test_query_count_does_not_grow_with_the_number_of_audits(client_for, council, officer):
    client = client_for(officer)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/audits/").status_code == 200
        return len(ctx.captured_queries)

    services.audit_create(user=officer, council=council, service=None, period="2026/27")
    few = count()
    for i in range(12):
        service = Service.objects.create(council=council, name=f"Service {i}")
        services.audit_create(user=officer, council=council, service=service, period="2026/27")
    # session, user, memberships, the audits' change stamp, councils, audits count, audits page,
    # progress totals, then the session's sliding expiry: savepoint, update, release
    assert count() == few == 11


def test_the_cached_table_shows_every_change_at_once(client_for, council, officer, manager):
    """The table is cached until an audit of the user's councils changes."""
    client = client_for(manager)
    audit = services.audit_create(user=officer, council=council, service=None, period="2026/27")
    n = Question.objects.filter(framework=audit.framework).count()
    assert f"0 of {n}" in client.get("/audits/").content.decode()
    answer_all(audit, officer)
    page = client.get("/audits/").content.decode()
    assert f"{n} of {n}" in page and "Draft" in page
    services.audit_submit(audit=audit, user=officer)
    assert "Submitted" in client.get("/audits/").content.decode()
    services.audit_create(
        user=officer, council=council, service=Service.objects.create(council=council, name="Parks"), period="2026/27"
    )
    assert "Parks" in client.get("/audits/").content.decode()
