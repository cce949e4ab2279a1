from django.db import connection, reset_queries
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
        reset_queries()  # a full log (9,000 queries) counts wrong
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/audits/").status_code == 200
        queries[:] = [q["sql"][:120] for q in ctx.captured_queries]
        return len(ctx.captured_queries)

    queries = []

    services.audit_create(user=officer, council=council, service=None, period="2026/27")
    few = count()
    for i in range(12):
        service = Service.objects.create(council=council, name=f"Service {i}")
        services.audit_create(user=officer, council=council, service=service, period="2026/27")
    # session, user, memberships, councils, the audits' change stamp, the comments' stamp;
    # (when their stamps changed) what needs the officer's action: their drafts and returns
    # (found, then the ten shown fetched), comments waiting for them; the filters' periods and services, audits count, audits page,
    # progress and scores; then the session's sliding expiry: begin, update, commit
    assert count() == few == 18, queries


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


def _rows(page: str) -> list[str]:
    """The scope cells of the table, in order (e.g. ["Planning", "Whole council"])."""
    import re

    return re.findall(r'<th scope="row"><a href="/audits/\d+/">([^<]+)</a></th>', page)


def test_search_filters_and_order(client_for, council, officer, officer_b, manager):
    parks = Service.objects.create(council=council, name="Parks")
    housing = Service.objects.create(council=council, name="Housing")
    services.audit_create(user=officer, council=council, service=parks, period="2025/26")
    led_by_b = services.audit_create(user=officer_b, council=council, service=housing, period="2026/27")
    services.audit_create(user=officer, council=council, service=None, period="2024/25")
    client = client_for(manager)
    assert _rows(client.get("/audits/").content.decode()) == ["Housing", "Parks", "Whole council"]
    assert _rows(client.get("/audits/?sort=oldest").content.decode()) == ["Whole council", "Parks", "Housing"]
    assert _rows(client.get("/audits/?q=park").content.decode()) == ["Parks"]
    assert _rows(client.get("/audits/?q=Dafydd").content.decode()) == ["Housing"]  # the lead's name
    assert _rows(client.get("/audits/?q=whole").content.decode()) == ["Whole council"]
    assert _rows(client.get("/audits/?period=2025/26").content.decode()) == ["Parks"]
    assert _rows(client.get(f"/audits/?service={housing.pk}").content.decode()) == ["Housing"]
    assert _rows(client_for(officer_b).get("/audits/?mine=on").content.decode()) == ["Housing"]
    services.audit_set_lead(audit=led_by_b, user=officer_b, lead=officer_b, assignments={"asked_to": officer})
    assert _rows(client_for(officer).get("/audits/?assigned=on").content.decode()) == ["Housing"]
    page = client.get("/audits/?q=nothing-like-this").content.decode()
    assert "No audits match these filters" in page


def test_bad_filter_values_are_ignored_not_errors(client_for, audit, officer):
    response = client_for(officer).get("/audits/?status=lost&period=9999/00&service=abc&sort=worst&council=nowhere")
    assert response.status_code == 200
    assert _rows(response.content.decode()) == ["Planning"]


def test_each_audit_shows_its_scores_and_the_council_column_only_for_several_councils(
    client_for, complete_audit, officer, other_council
):
    page = client_for(officer).get("/audits/").content.decode()
    assert '<abbr title="Can do">CD</abbr>' in page and '<abbr title="Responded to">RT</abbr>' in page
    # Every question rated 2 scores 33 in each factor (see scoring.score_from_ratings).
    assert page.count(">33</span>") == 5
    assert '<th scope="col">Council</th>' not in page
    from audits.models import Membership, Role

    Membership.objects.create(user=officer, council=other_council, role=Role.OFFICER)
    page = client_for(officer).get("/audits/").content.decode()
    assert '<th scope="col">Council</th>' in page and "<td>Ynys Môn</td>" in page


def test_needs_your_action_for_a_manager_lists_audits_waiting_oldest_first(
    client_for, council, officer, manager, submitted_audit
):
    from datetime import timedelta

    from django.utils import timezone

    from audits.models import Audit

    whole = services.audit_create(user=officer, council=council, service=None, period="2026/27")
    services.audit_submit(audit=answer_all(whole, officer), user=officer)
    Audit.objects.filter(pk=whole.pk).update(submitted_at=timezone.now() - timedelta(days=9))
    page = client_for(manager).get("/audits/").content.decode()
    panel = page[page.index("Needs your action") : page.index("</section>", page.index("Needs your action"))]
    assert "Waiting for your review, oldest first" in panel
    assert panel.index(f'href="/audits/{whole.pk}/review/">Whole council') < panel.index(
        f'href="/audits/{submitted_audit.pk}/review/">Planning'
    )
    assert "waiting <time" in panel and "1\xa0week, 2\xa0days" in panel


def test_needs_your_action_for_an_officer_lists_returns_and_drafts_they_lead(
    client_for, council, officer, officer_b, manager, submitted_audit
):
    services.audit_return(audit=submitted_audit, user=manager, comment="Check CD3")
    draft = services.audit_create(user=officer, council=council, service=None, period="2026/27")
    page = client_for(officer).get("/audits/").content.decode()
    assert "Returned to you" in page and f'href="/audits/{submitted_audit.pk}/">Planning, 2026/27</a>' in page
    assert "Drafts you lead or have a factor of" in page and f'href="/audits/{draft.pk}/">Whole council' in page
    # Another officer has nothing waiting, until given a factor.
    assert "Needs your action" not in client_for(officer_b).get("/audits/").content.decode()
    services.audit_set_lead(audit=draft, user=officer, lead=officer, assignments={"like_to": officer_b})
    assert f'href="/audits/{draft.pk}/">Whole council' in client_for(officer_b).get("/audits/").content.decode()


def test_an_audit_without_a_lead_is_listed(client_for, audit, officer):
    # Imported audits, and those generated for the benchmark, have no lead.
    from audits.models import Audit

    Audit.objects.filter(pk=audit.pk).update(lead=None)
    page = client_for(officer).get("/audits/").content.decode()
    assert _rows(page) == ["Planning"] and "<td>—</td>" in page
