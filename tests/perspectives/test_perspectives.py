"""Several perspectives: councillors, invited organisations and workshops rate the same
questions, and the audit shows where they and the officers part."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from pypdf import PdfReader

from audits import services as audit_services
from audits.models import Answer, AuditEvent, AuditStatus, EventKind, Question
from audits.reports.data import build_audit_report
from notifications.models import Email
from perspectives import comparison as cmp
from perspectives import services
from perspectives.models import Channel, Invitation, Perspective, PerspectiveAnswer, PerspectiveKind, WorkshopTally

from ..conftest import _user, answer_all


def q(audit, code):
    return Question.objects.get(framework=audit.framework, code=code)


def invite(audit, user, name="Riverside Tenants", kind=PerspectiveKind.COMMUNITY, respondents=1, **kw):
    return services.invitation_create(audit=audit, user=user, kind=kind, name=name, respondents=respondents, **kw)


def link_answers(new, audit, ratings: dict[str, int | str], comment=""):
    data = {
        q(audit, code): services.RatingData(rating=None if r == "dk" else r, dont_know=r == "dk", comment=comment)
        for code, r in ratings.items()
    }
    return services.answers_save_by_link(invitation=new.invitation, answers=data)


def respond_url(token):
    return reverse("perspectives:respond", args=[token])


# --- The rules: median, spread, divergence, threshold --------------------------------------


@pytest.mark.parametrize(
    ("counts", "median"),
    [
        ((0, 0, 0, 0), None),
        ((1, 0, 0, 0), 1),
        ((0, 1, 1, 0), 2.5),
        ((2, 0, 0, 1), 1),
        ((1, 1, 1, 1), 2.5),
        ((0, 0, 3, 2), 3),
    ],
)
def test_a_groups_answer_is_the_median_of_its_ratings(counts, median):
    assert cmp.median_of(counts) == median


def test_two_levels_apart_is_a_divergence_one_level_is_not(complete_audit, manager):
    # Officers rated every question 2.
    new = invite(complete_audit, manager)
    link_answers(new, complete_audit, {"CD1": 4, "CD2": 3, "CD3": 1, "LT1": "dk"}, comment="We run the hall")
    c = cmp.comparison(complete_audit)
    assert [(d.question.code, d.gap) for d in c.divergences] == [("CD1", 2)]
    assert c.divergences[0].comments == ("We run the hall",)
    assert [question.code for question in c.unexplained] == ["CD1"]


def test_divergences_are_listed_largest_gap_first(audit, officer, manager):
    audit = answer_all(audit, officer, rating=1)
    Answer.objects.filter(audit=audit, question__code="LT2").update(rating=4)
    new = invite(audit, manager)
    link_answers(new, audit, {"CD1": 3, "CD2": 4, "LT2": 1})
    assert [(d.question.code, d.size) for d in cmp.comparison(audit).divergences] == [
        ("CD2", 3),
        ("LT2", 3),
        ("CD1", 2),
    ]


def test_councillors_show_as_one_group_median_and_spread_never_one_councillors_rating(
    client_for, complete_audit, council, councillor
):
    second = _user("cllr-two", council, "councillor")
    third = _user("cllr-three", council, "councillor")
    for user, rating in ((councillor, 1), (second, 4), (third, 4)):
        services.answers_save_by_councillor(
            audit=complete_audit, user=user, answers={q(complete_audit, "CD1"): services.RatingData(rating, False, "")}
        )
    c = cmp.comparison(complete_audit)
    (view,) = c.views
    assert view.respondents == 3 and view.spreads[q(complete_audit, "CD1").pk].median == 4
    page = client_for(councillor).get(reverse("perspectives:overview", args=[complete_audit.pk])).content.decode()
    assert "median 4 (1–4), 3 rated" in page
    # Officers' answers are untouched by councillors' ratings.
    assert set(Answer.objects.filter(audit=complete_audit).values_list("rating", flat=True)) == {2}


def test_a_resident_group_below_the_threshold_is_not_shown_at_all(client_for, complete_audit, officer, settings):
    settings.PERSPECTIVE_MIN_GROUP = 5
    workshop = services.workshop_create(
        audit=complete_audit, user=officer, kind=PerspectiveKind.RESIDENTS, name="Riverside panel", participants=4
    )
    services.workshop_save(
        perspective=workshop,
        user=officer,
        participants=4,
        name="Riverside panel",
        tallies={q(complete_audit, "CD1"): services.TallyData((0, 0, 0, 4), 0, "All said the hall is great")},
    )
    c = cmp.comparison(complete_audit)
    assert not c.views[0].shown and c.divergences == [] and c.unexplained == []
    page = client_for(officer).get(reverse("perspectives:overview", args=[complete_audit.pk])).content.decode()
    assert "too few responses to show" in page
    assert "All said the hall is great" not in page
    pdf = _pdf_text(client_for(officer).get(reverse("audits:report", args=[complete_audit.pk])).content)
    assert "too few responses" in pdf and "All said the hall is great" not in pdf
    # From five participants it shows, with its median and spread.
    services.workshop_save(
        perspective=workshop,
        user=officer,
        participants=5,
        name="Riverside panel",
        tallies={q(complete_audit, "CD1"): services.TallyData((0, 0, 1, 4), 0, "All said the hall is great")},
    )
    c = cmp.comparison(complete_audit)
    assert c.views[0].shown and [d.question.code for d in c.divergences] == ["CD1"]
    page = client_for(officer).get(reverse("perspectives:overview", args=[complete_audit.pk])).content.decode()
    assert "median 4 (3–4), 5 rated" in page and "All said the hall is great" in page


def test_a_perspectives_factor_score_follows_the_officers_rule(complete_audit, manager):
    new = invite(complete_audit, manager)
    can_do = list(Question.objects.filter(framework=complete_audit.framework, factor="can_do").order_by("order"))
    half = (len(can_do) + 1) // 2
    link_answers(new, complete_audit, {question.code: 4 for question in can_do[: half - 1]})
    assert cmp.comparison(complete_audit).views[0].scores["can_do"] is None  # under half rated
    link_answers(new, complete_audit, {can_do[half - 1].code: 1})
    # The mean of (half - 1) fours and one 1, on the 0–100 scale.
    mean = (4 * (half - 1) + 1) / half
    assert cmp.comparison(complete_audit).views[0].scores["can_do"] == round((mean - 1) / 3 * 100, 1)


# --- Invitations: link, hashing, states, abuse ------------------------------------------


def test_an_invitation_link_is_shown_once_and_only_its_hash_is_stored(client_for, audit, manager):
    client = client_for(manager)
    response = client.post(
        reverse("perspectives:invite", args=[audit.pk]),
        {
            "name": "Riverside Tenants",
            "kind": "community",
            "respondents": "1",
            "expires_on": (timezone.localdate() + timedelta(days=10)).isoformat(),
            "email": "chair@riverside.example",
        },
    )
    inv = Invitation.objects.get()
    assert response.status_code == 302
    page = client.get(response.url).content.decode()
    token = re.search(r"/respond/([^/\"]+)/", page).group(1)
    assert inv.token_hash != token and len(token) >= 40
    assert not Invitation.objects.filter(token_hash=token).exists()
    assert "/respond/" not in client.get(response.url).content.decode()  # shown once
    assert mail.outbox and token in mail.outbox[0].body and mail.outbox[0].to == ["chair@riverside.example"]
    assert "until" in mail.outbox[0].body


def test_the_link_page_shows_the_questions_and_nothing_else_of_the_council(client, complete_audit, manager):
    Answer.objects.filter(audit=complete_audit, question__code="CD1").update(evidence_notes="Officers' secret workings")
    new = invite(complete_audit, manager)
    page = client.get(respond_url(new.token)).content.decode()
    cd1 = q(complete_audit, "CD1")
    assert escape(cd1.prompt) in page and escape(cd1.level_4) in page and "Don&#x27;t know" in page
    assert "Officers' secret workings" not in page and "Planning" in page
    assert 'href="/audits/' not in page and "Sign out" not in page


def test_answers_through_the_link_autosave_with_time_and_invitation(client, complete_audit, manager):
    new = invite(complete_audit, manager)
    response = client.post(
        respond_url(new.token), {"CD1-choice": "4", "CD1-comment": "Our members use it"}, HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 200 and response.json()["saved"]
    row = PerspectiveAnswer.objects.get()
    assert (row.rating, row.comment, row.invitation_id) == (4, "Our members use it", new.invitation.pk)
    assert timezone.now() - row.answered_at < timedelta(minutes=1)
    # The respondent comes back through the same link and finds the answer.
    assert 'value="4" id="id_CD1-choice_3" checked' in client.get(respond_url(new.token)).content.decode()


def test_a_bad_answer_is_refused_with_a_message_and_changes_nothing(client, complete_audit, manager):
    new = invite(complete_audit, manager)
    response = client.post(respond_url(new.token), {"CD1-choice": "7", "CD2-choice": "3", "CD2-comment": "x" * 2001})
    assert response.status_code == 400
    assert PerspectiveAnswer.objects.count() == 0
    page = response.content.decode()
    assert "Choose one of the four levels" in page and "x" * 2001 in page  # what was typed stays


@pytest.mark.parametrize("how", ["revoked", "expired", "approved", "tampered"])
def test_a_closed_or_tampered_link_is_a_clear_page_without_the_councils_data(
    client, complete_audit, manager, officer, how
):
    new = invite(complete_audit, manager)
    link_answers(new, complete_audit, {"CD1": 4})
    token = new.token
    if how == "revoked":
        services.invitation_revoke(invitation=new.invitation, user=manager)
    elif how == "expired":
        Invitation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    elif how == "approved":
        audit_services.audit_submit(audit=complete_audit, user=officer)
        services.divergence_note_save(
            audit=complete_audit, question=q(complete_audit, "CD1"), user=officer, note="Hall closed in May"
        )
        audit_services.audit_approve(audit=complete_audit, user=manager)
    else:
        token = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    for response in (client.get(respond_url(token)), client.post(respond_url(token), {"CD2-choice": "1"})):
        page = response.content.decode()
        assert response.status_code == (404 if how == "tampered" else 410)
        assert complete_audit.council.name not in page and escape(q(complete_audit, "CD1").prompt) not in page
        assert {"revoked": "withdrawn", "expired": "expired", "approved": "approved", "tampered": "copied whole"}[
            how
        ] in page
    # What was answered before stays; nothing new arrived.
    assert list(PerspectiveAnswer.objects.values_list("question__code", "rating")) == [("CD1", 4)]


def test_a_new_link_replaces_the_old_one(client, audit, manager):
    new = invite(audit, manager)
    services.invitation_revoke(invitation=new.invitation, user=manager)
    again = services.invitation_new_link(invitation=new.invitation, user=manager)
    assert client.get(respond_url(new.token)).status_code == 404
    assert client.get(respond_url(again.token)).status_code == 200


def test_the_link_page_is_rate_limited(client, audit, manager, settings):
    settings.PERSPECTIVE_LINK_RATE = 3
    new = invite(audit, manager)
    codes = [client.get(respond_url(new.token)).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    # Guessing at tokens is limited per address, at a quarter of the rate.
    assert client.get(respond_url("guess-1")).status_code == 404
    assert client.get(respond_url("guess-2")).status_code == 429


def test_a_respondent_reaches_no_other_page(client, audit, manager):
    new = invite(audit, manager)
    client.get(respond_url(new.token))
    for url in (audit.get_absolute_url(), reverse("perspectives:overview", args=[audit.pk]), "/audits/"):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith("/accounts/login/")


# --- Workshops --------------------------------------------------------------------------


def test_workshop_counts_beyond_the_participants_are_refused_and_the_typing_is_kept(client_for, audit, officer):
    client = client_for(officer)
    response = client.post(
        reverse("perspectives:workshop-new", args=[audit.pk]),
        {"name": "Riverside panel", "kind": "residents", "participants": "6"},
    )
    workshop = Perspective.objects.get(channel=Channel.WORKSHOP)
    assert response.url == reverse("perspectives:workshop", args=[audit.pk, workshop.pk])
    url = response.url
    response = client.post(
        url,
        {
            "name": "Riverside panel",
            "participants": "6",
            "CD1-rated_2": "4",
            "CD1-rated_3": "3",
            "CD2-rated_1": "2",
            "CD2-comment": "Bus fares",
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "7 answers counted, but the workshop had 6 participants" in page and "Bus fares" in page
    assert WorkshopTally.objects.count() == 0
    response = client.post(
        url,
        {
            "name": "Riverside panel",
            "participants": "7",
            "CD1-rated_2": "4",
            "CD1-rated_3": "3",
            "CD2-rated_1": "2",
            "CD2-comment": "Bus fares",
        },
    )
    assert response.status_code == 302
    assert sorted(WorkshopTally.objects.values_list("question__code", "rated_1", "rated_2", "rated_3", "comment")) == [
        ("CD1", 0, 4, 3, ""),
        ("CD2", 2, 0, 0, "Bus fares"),
    ]
    assert Perspective.objects.get().respondents == 7


# --- Approval needs a note on each divergence ------------------------------------------------


def test_a_manager_cannot_approve_while_a_divergence_has_no_note(client_for, complete_audit, officer, manager):
    new = invite(complete_audit, manager)
    link_answers(new, complete_audit, {"CD1": 4, "LT1": 4})
    submitted = audit_services.audit_submit(audit=complete_audit, user=officer)
    client = client_for(manager)
    page = client.get(reverse("audits:review", args=[submitted.pk])).content.decode()  # where the decision is
    assert "Not ready to approve" in page and "CD1, LT1" in page
    response = client.post(
        reverse("audits:review", args=[submitted.pk]), {"decision": "approve", "version": submitted.version}
    )
    assert response.status_code == 409
    submitted.refresh_from_db()
    assert submitted.status == AuditStatus.SUBMITTED
    # The officer explains both; the notes are in the history; then approval goes through.
    officer_client = client_for(officer)
    for code in ("CD1", "LT1"):
        response = officer_client.post(
            reverse("perspectives:note", args=[submitted.pk]),
            {"question": code, "note": f"{code}: the tenants use the hall weekly"},
        )
        assert response.status_code == 302
    event = AuditEvent.objects.filter(audit=submitted, kind=EventKind.DIVERGENCE_NOTE).first()
    assert event is not None and event.after == {"note": "LT1: the tenants use the hall weekly"}
    history = officer_client.get(reverse("audits:history", args=[submitted.pk])).content.decode()
    assert "Divergence explained" in history and "CD1: the tenants use the hall weekly" in history
    client = client_for(manager)
    response = client.post(
        reverse("audits:review", args=[submitted.pk]), {"decision": "approve", "version": submitted.version}
    )
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == AuditStatus.APPROVED


def test_an_empty_note_is_refused_and_a_councillor_cannot_write_one(
    client_for, complete_audit, officer, manager, councillor
):
    new = invite(complete_audit, manager)
    link_answers(new, complete_audit, {"CD1": 4})
    response = client_for(officer).post(
        reverse("perspectives:note", args=[complete_audit.pk]), {"question": "CD1", "note": "   "}
    )
    assert response.status_code == 400 and "This field is required" in response.content.decode()
    assert (
        client_for(councillor)
        .post(reverse("perspectives:note", args=[complete_audit.pk]), {"question": "CD1", "note": "Fine"})
        .status_code
        == 403
    )
    assert not AuditEvent.objects.filter(kind=EventKind.DIVERGENCE_NOTE).exists()


# --- The PDF, the dashboard, the CSV ---------------------------------------------------------


def _pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_the_pdf_has_the_perspectives_section_before_the_factor_detail(client_for, complete_audit, manager, officer):
    new = invite(complete_audit, manager)
    link_answers(new, complete_audit, {"CD1": 4}, comment="Hall open every evening")
    services.divergence_note_save(
        audit=complete_audit, question=q(complete_audit, "CD1"), user=officer, note="Booked out by one group"
    )
    text = _pdf_text(client_for(manager).get(reverse("audits:report", args=[complete_audit.pk])).content)
    html = render_to_string("reports/audit.html", {"report": build_audit_report(complete_audit)})
    assert 0 < html.index('id="perspectives"') < html.index('id="factor-can_do"') < html.index('id="method"')
    assert "Riverside Tenants" in text and "Hall open every evening" in text and "Booked out by one group" in text
    assert "2 levels higher" in text


def test_the_dashboard_shows_the_gap_between_officers_and_others(client_for, complete_audit, manager, officer):
    new = invite(complete_audit, manager)
    can_do = Question.objects.filter(framework=complete_audit.framework, factor="can_do")
    link_answers(new, complete_audit, {question.code: 4 for question in can_do})
    audit_services.audit_submit(audit=complete_audit, user=officer)
    for question in can_do:
        services.divergence_note_save(
            audit=complete_audit, question=question, user=officer, note="Officers checked the survey"
        )
    audit_services.audit_approve(audit=complete_audit, user=manager)
    client = client_for(manager)
    page = client.get(reverse("audits:dashboard", args=[complete_audit.council.slug])).content.decode()
    # Officers rated 2 (33), the tenants 4 (100): +67 on Can do, over one audit.
    assert re.search(r"Can do</th><td[^>]*>33</td><td[^>]*>100</td><td[^>]*>\+67</td><td[^>]*>1</td>", page)
    csv = client.get(reverse("audits:dashboard-csv", args=[complete_audit.council.slug])).content.decode()
    assert "perspectives,officers and others,,Can do,100.0,officers 33.3; gap 66.7; 1 audits" in csv


def test_the_comparison_page_reads_a_fixed_number_of_queries(client_for, complete_audit, manager, council):
    client = client_for(manager)
    url = reverse("perspectives:overview", args=[complete_audit.pk])

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    invite(complete_audit, manager, name="One")
    first = count()
    for n in range(4):
        new = invite(complete_audit, manager, name=f"Group {n}")
        link_answers(new, complete_audit, {"CD1": 4, "CD2": 1})
        user = _user(f"cllr-{n}", council, "councillor")
        services.answers_save_by_councillor(
            audit=complete_audit, user=user, answers={q(complete_audit, "CD1"): services.RatingData(4, False, "")}
        )
    assert count() == first


def test_the_dashboards_perspectives_table_reads_a_fixed_number_of_queries(client_for, council, officer, manager):
    from audits.models import Service

    client = client_for(manager)

    def approved_with_a_perspective(service):
        audit = audit_services.audit_create(user=officer, council=council, service=service, period="2026/27")
        audit = audit_services.audit_submit(audit=answer_all(audit, officer, rating=3), user=officer)
        link_answers(invite(audit, manager), audit, {"CD1": 3, "CD2": 2})
        return audit_services.audit_approve(audit=audit, user=manager)

    def count():
        cache.clear()  # the dashboard's body is cached: measure the making of it
        with CaptureQueriesContext(connection) as ctx:
            page = client.get(reverse("audits:dashboard", args=[council.slug])).content.decode()
        assert "Officers and other perspectives" in page
        return len(ctx.captured_queries)

    approved_with_a_perspective(Service.objects.create(council=council, name="Service 0"))
    first = count()
    for n in range(1, 4):
        approved_with_a_perspective(Service.objects.create(council=council, name=f"Service {n}"))
    assert count() == first


def test_every_perspective_with_a_score_is_on_the_chart_or_named_beside_it(client_for, complete_audit, manager):
    can_do = Question.objects.filter(framework=complete_audit.framework, factor="can_do")
    names = [f"Group {n}" for n in range(8)]
    for name in names:
        link_answers(invite(complete_audit, manager, name=name), complete_audit, {q.code: 3 for q in can_do})
    c = cmp.comparison(complete_audit)
    radar = str(c.radar())
    page = client_for(manager).get(reverse("perspectives:overview", args=[complete_audit.pk])).content.decode()
    for name in names:
        on_chart = f"{name} (community organisation)" in radar
        assert on_chart != (name in [v.name for v in c.views_off_chart]), name
    assert c.views_off_chart and "Not on the chart" in page


def test_a_note_covers_the_divergences_it_was_written_for_and_a_new_one_needs_it_again(
    complete_audit, officer, manager
):
    link_answers(invite(complete_audit, manager, name="First group"), complete_audit, {"CD1": 4})
    services.divergence_note_save(audit=complete_audit, question=q(complete_audit, "CD1"), user=officer, note="Checked")
    assert cmp.comparison(complete_audit).unexplained == []
    # Another perspective diverges on the same question afterwards: the note must be looked at again.
    link_answers(invite(complete_audit, manager, name="Second group"), complete_audit, {"CD1": 4})
    c = cmp.comparison(complete_audit)
    assert [x.code for x in c.unexplained] == ["CD1"] and c.questions[0].uncovered == ("Second group",)
    # Saving it again, unchanged, confirms it for both.
    services.divergence_note_save(audit=complete_audit, question=q(complete_audit, "CD1"), user=officer, note="Checked")
    assert cmp.comparison(complete_audit).unexplained == []


def test_a_workshop_question_answered_by_too_few_is_left_out(complete_audit, officer, settings):
    settings.PERSPECTIVE_MIN_GROUP = 5
    workshop = services.workshop_create(
        audit=complete_audit, user=officer, kind=PerspectiveKind.RESIDENTS, name="Panel", participants=8
    )
    services.workshop_save(
        perspective=workshop,
        user=officer,
        participants=8,
        name="Panel",
        tallies={
            q(complete_audit, "CD1"): services.TallyData((0, 0, 0, 1), 0, "Only I came to this part"),
            q(complete_audit, "CD2"): services.TallyData((0, 0, 2, 4), 0, ""),
        },
    )
    view = cmp.comparison(complete_audit).views[0]
    assert (
        view.shown and q(complete_audit, "CD1").pk not in view.spreads and q(complete_audit, "CD2").pk in view.spreads
    )
    assert [d.question.code for d in cmp.comparison(complete_audit).divergences] == ["CD2"]


def test_saving_the_whole_page_keeps_answers_someone_else_changed_since(client, complete_audit, manager):
    new = invite(complete_audit, manager)
    page_as_loaded = client.get(respond_url(new.token))
    assert page_as_loaded.status_code == 200
    # Meanwhile, another member of the organisation answers CD2 through the same link.
    link_answers(new, complete_audit, {"CD2": 1}, comment="Bus fares")
    # The first page, saved whole as a browser sends it (CD2 empty, as it was loaded, and the
    # values it showed in its initial-… fields), with CD1 chosen: CD2 stays as answered.
    html = page_as_loaded.content.decode()
    fields = dict(re.findall(r'<input type="hidden" name="(initial-[^"]+)" value="([^"]*)"', html))
    fields |= {name: "" for name in re.findall(r'<textarea[^>]* name="([^"]+-comment)"', html)}
    assert "initial-CD2-choice" in fields and "CD2-comment" in fields
    response = client.post(respond_url(new.token), {**fields, "CD1-choice": "3"})
    assert response.status_code == 302
    assert sorted(PerspectiveAnswer.objects.values_list("question__code", "rating", "comment")) == [
        ("CD1", 3, ""),
        ("CD2", 1, "Bus fares"),
    ]


def test_too_many_requests_is_not_a_closed_link(client, audit, manager, settings):
    settings.PERSPECTIVE_LINK_RATE = 1
    new = invite(audit, manager)
    client.get(respond_url(new.token))
    response = client.post(respond_url(new.token), {"CD1-choice": "3"}, HTTP_ACCEPT="application/json")
    assert response.status_code == 429 and response.json()["closed"] is False and response["Retry-After"]


def test_comments_typed_into_a_page_whose_link_closed_meanwhile_come_back(client, audit, manager):
    new = invite(audit, manager)
    services.invitation_revoke(invitation=new.invitation, user=manager)
    response = client.post(respond_url(new.token), {"CD1-choice": "3", "CD1-comment": "Our long answer"})
    assert response.status_code == 410 and "Our long answer" in response.content.decode()
    assert not PerspectiveAnswer.objects.exists()


def test_a_name_differing_only_in_case_is_refused_with_a_message(audit, manager):
    invite(audit, manager, name="Riverside Tenants")
    with pytest.raises(ValidationError) as refused:
        invite(audit, manager, name="RIVERSIDE tenants")
    assert "already has a perspective named" in str(refused.value)


def test_councillors_are_asked_by_email_and_the_page_shows_who_answered(
    client_for, audit, council, manager, councillor
):
    councillor.email = "eleri@example.org"
    councillor.save()
    quiet = _user("cllr-no-mail", council, "councillor")
    client = client_for(manager)
    url = reverse("perspectives:councillors", args=[audit.pk])
    response = client.post(url, {"councillors": [councillor.pk, quiet.pk]}, follow=True)
    page = response.content.decode()
    assert "1 councillor asked by e-mail" in page and "No e-mail goes to cllr-no-mail" in page
    # Written with the request, sent by the task queue's worker (notifications.tasks.deliver).
    (sent,) = Email.objects.filter(kind="invitation")
    assert sent.to == "eleri@example.org" and reverse("perspectives:rate", args=[audit.pk]) in sent.body_text
    assert sent.subject == "Your ratings asked for: Ynys Môn, Planning, 2026/27"
    services.answers_save_by_councillor(
        audit=audit, user=councillor, answers={q(audit, "CD1"): services.RatingData(3, False, "")}
    )
    page = client.get(url).content.decode()
    assert re.search(
        r"Eleri Jones</label>.*?</th>\s*<td>\d+ \w+ \d{4}</td>\s*<td class=\"text-end\">1</td>", page, re.S
    )


def test_only_the_councils_councillors_can_be_asked(client_for, audit, manager, outsider, officer, councillor):
    response = client_for(manager).post(
        reverse("perspectives:councillors", args=[audit.pk]), {"councillors": [outsider.pk, officer.pk]}
    )
    assert response.status_code == 400 and "not one of this council" in response.content.decode()
    assert not mail.outbox
