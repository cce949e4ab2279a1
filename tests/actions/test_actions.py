"""Action plans: built from an audit's suggested responses, updated by their owners, reminded,
and checked at the next audit of the same scope."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from actions import services
from actions.followup import Move, factor_sentence, followup
from actions.models import Action, ActionEvent, ActionStatus, Reminder
from audits import services as audit_services
from audits.models import Framework, Question
from audits.reports.data import build_audit_report

from ..conftest import answer_all

TODAY = timezone.localdate


def q(audit, code):
    return Question.objects.get(framework=audit.framework, code=code)


def approved(council, service, period, officer, manager, rating=2, **ratings):
    """An approved audit of the scope: every question rated ``rating``, some by code otherwise."""
    audit = audit_services.audit_create(user=officer, council=council, service=service, period=period)
    audit = answer_all(audit, officer, rating=rating)
    if ratings:
        audit = rate(audit, officer, **ratings)
    audit = audit_services.audit_submit(audit=audit, user=officer)
    return audit_services.audit_approve(audit=audit, user=manager)


def rate(audit, officer, **ratings):
    audit.refresh_from_db()
    data = [audit_services.AnswerData(question_id=q(audit, code).pk, rating=r) for code, r in ratings.items()]
    return audit_services.answers_save(audit=audit, user=officer, answers=data, expected_version=audit.version).audit


def plan(audit, user, codes=("RT3", "RT4"), factor="responded_to", **extra):
    data = {
        "title": "Publish what changed after each consultation",
        "start": TODAY(),
        "due": TODAY() + timedelta(days=90),
        "questions": [q(audit, c) for c in codes],
        "own_intervention": "“You said, we did” pages",
        "owner": user,
        **extra,
    }
    return services.action_create(audit=audit, user=user, factor=factor, data=services.ActionData(**data))


def form_data(audit, owner, **extra):
    return {
        "title": "Publish what changed after each consultation",
        "own_intervention": "“You said, we did” pages",
        "questions": [q(audit, "RT3").pk, q(audit, "RT4").pk],
        "owner": owner.pk,
        "start": TODAY().isoformat(),
        "due": (TODAY() + timedelta(days=90)).isoformat(),
        "target": "RT4 from 2 to 3 at the next audit",
        **extra,
    }


@pytest.fixture
def last_year(council, planning, officer, manager):
    return approved(council, planning, "2025/26", officer, manager, rating=2)


# -- Building the plan ----------------------------------------------------------------------


def test_a_manager_plans_an_action_from_a_suggested_response(client_for, last_year, manager):
    client = client_for(manager)
    page = client.get(last_year.get_absolute_url()).content.decode()
    new = reverse("actions:new", args=[last_year.pk]) + "?response=responded-to"
    assert new.replace("&", "&amp;") in page  # "Plan an action from this response", in the suggestion
    form = client.get(new).content.decode()
    assert "RT3 rated 2" in form  # the answers behind the response are on the page
    response = client.post(new, form_data(last_year, manager, is_trial="on", hypothesis="More people come back"))
    assert response.status_code == 400  # a trial without how it will be judged
    assert "A trial says first how its result will be judged." in response.content.decode()
    assert not Action.objects.exists()
    response = client.post(
        new, form_data(last_year, manager, is_trial="on", hypothesis="More people come back", judged_by="Counted")
    )
    assert response.status_code == 302
    action = Action.objects.get()
    assert (action.council_id, action.service_id, action.audit_id) == (
        last_year.council_id,
        last_year.service_id,
        last_year.pk,
    )
    assert action.factor == "responded_to" and action.is_trial
    assert sorted(x.code for x in action.questions.all()) == ["RT3", "RT4"]
    assert ActionEvent.objects.get(action=action).kind == "created"
    page = client.get(last_year.get_absolute_url()).content.decode()
    assert "Publish what changed after each consultation" in page and 'id="action-plan"' in page


def test_a_draft_audit_is_not_planned_from(client_for, complete_audit, officer):
    response = client_for(officer).get(reverse("actions:new", args=[complete_audit.pk]))
    assert response.status_code == 302
    with pytest.raises(ValidationError, match="submit this audit first"):
        plan(complete_audit, officer)
    assert not Action.objects.exists()


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        (lambda a, o, other: {"due": (TODAY() - timedelta(days=1)).isoformat()}, "due", "is before the start date"),
        (lambda a, o, other: {"owner": other.pk}, "owner", "is not an officer or manager of Ynys Môn"),
        (lambda a, o, other: {"questions": [other_bank_question(a).pk]}, "questions", "question bank"),
        (lambda a, o, other: {"owner": "", "partner": ""}, "owner", "Choose who owns the action"),
        (lambda a, o, other: {"own_intervention": ""}, "own_intervention", "describe the council's own"),
    ],
    ids=["due before start", "owner of another council", "question of another bank", "no owner", "no intervention"],
)
def test_bad_input_gets_a_message_beside_its_field_and_saves_nothing(
    client_for, last_year, manager, outsider, change, field, message
):
    url = reverse("actions:new", args=[last_year.pk]) + "?response=responded-to"
    response = client_for(manager).post(url, {**form_data(last_year, manager), **change(last_year, manager, outsider)})
    assert response.status_code == 400
    form = response.context["form"]
    assert message in " ".join(form.errors[field])
    assert "Publish what changed after each consultation" in response.content.decode()  # what was typed stays
    assert not Action.objects.exists() and not ActionEvent.objects.exists()


def other_bank_question(audit):
    other = Framework.objects.create(version="Other 1", title="Another bank")
    return Question.objects.create(
        framework=other,
        factor="responded_to",
        code="RT3",
        theme="t",
        prompt="p",
        guidance="g",
        level_1="1",
        level_2="2",
        level_3="3",
        level_4="4",
    )


def test_the_services_refuse_what_the_forms_cannot_send(last_year, manager, outsider):
    with pytest.raises(ValidationError) as caught:
        plan(last_year, manager, owner=outsider, due=TODAY() - timedelta(days=3))
    assert set(caught.value.error_dict) == {"owner", "due"}
    with pytest.raises(ValidationError) as caught:
        services.action_create(
            audit=last_year,
            user=manager,
            factor="responded_to",
            data=services.ActionData(
                title="x",
                start=TODAY(),
                due=TODAY(),
                questions=[other_bank_question(last_year)],
                own_intervention="y",
                owner=manager,
            ),
        )
    assert "belongs to another question bank" in caught.value.error_dict["questions"][0].message
    assert not Action.objects.exists()


def test_councillors_read_the_plan_and_change_nothing(client_for, last_year, manager, councillor):
    action = plan(last_year, manager)
    client = client_for(councillor)
    page = client.get(action.get_absolute_url()).content.decode()
    assert action.title in page and "Save the status" not in page
    assert client.post(reverse("actions:status", args=[action.pk]), {"status": "done", "version": 1}).status_code == 403
    assert client.get(reverse("actions:new", args=[last_year.pk])).status_code == 403
    action.refresh_from_db()
    assert action.status == ActionStatus.PLANNED


def test_another_councils_plan_is_a_404(client_for, last_year, manager, outsider):
    action = plan(last_year, manager)
    client = client_for(outsider)
    assert client.get(action.get_absolute_url()).status_code == 404
    assert client.get(reverse("actions:plan", args=[last_year.council.slug])).status_code == 404
    assert action.title not in client.get(reverse("actions:mine")).content.decode()


# -- Updating it ------------------------------------------------------------------------------


def test_an_owner_updates_the_status_notes_progress_and_the_history_keeps_it_all(
    client_for, last_year, manager, officer
):
    action = plan(last_year, manager, owner=officer)
    client = client_for(officer)
    status_url = reverse("actions:status", args=[action.pk])
    response = client.post(status_url, {"status": "dropped", "dropped_reason": "", "version": action.version})
    assert response.status_code == 400
    assert "Say why the action is dropped" in response.content.decode()
    assert client.post(status_url, {"status": "in_progress", "version": 1}).status_code == 302
    note = reverse("actions:note", args=[action.pk])
    assert client.post(note, {"on": TODAY().isoformat(), "text": "Two pages published"}).status_code == 302
    tomorrow = (TODAY() + timedelta(days=1)).isoformat()
    assert client.post(note, {"on": tomorrow, "text": "Later"}).status_code == 400
    assert client.post(status_url, {"status": "done", "version": 2}).status_code == 302
    action.refresh_from_db()
    assert action.status == ActionStatus.DONE and action.closed_at is not None
    page = client.get(action.get_absolute_url()).content.decode()
    assert "Two pages published" in page
    kinds = list(ActionEvent.objects.filter(action=action).order_by("at", "pk").values_list("kind", flat=True))
    assert kinds == ["created", "status", "note", "status"]
    assert 'In progress → <span class="pre-line">Done</span>' in page


def test_a_stale_page_saves_nothing(client_for, last_year, manager, officer):
    action = plan(last_year, manager)
    client_for(officer).post(reverse("actions:status", args=[action.pk]), {"status": "in_progress", "version": 1})
    response = client_for(manager).post(
        reverse("actions:status", args=[action.pk]),
        {"status": "dropped", "dropped_reason": "x", "version": 1},
    )
    page = response.content.decode()
    assert "Someone changed this action after you opened the page" in page
    action.refresh_from_db()
    assert action.status == ActionStatus.IN_PROGRESS
    # What the manager chose is still in the form, ready to save over the newer version.
    assert response.status_code == 409
    form = response.context["status_form"]
    assert form["status"].value() == "dropped" and form["version"].value() == str(action.version)
    assert (
        client_for(manager).post(reverse("actions:status", args=[action.pk]), {**form.data.dict()}).status_code == 302
    )
    action.refresh_from_db()
    assert action.status == ActionStatus.DROPPED


def test_a_trials_design_is_locked_once_it_has_started(client_for, last_year, manager):
    tomorrow = TODAY() + timedelta(days=1)
    action = plan(
        last_year, manager, is_trial=True, hypothesis="More people come back", judged_by="Counted", start=tomorrow
    )
    data = services.ActionData(
        title=action.title,
        start=action.start,
        due=action.due,
        questions=list(action.questions.all()),
        own_intervention=action.own_intervention,
        owner=manager,
        is_trial=True,
        hypothesis="Changed my mind",
        judged_by="Counted",
    )
    action = services.action_update(
        action=action, user=manager, data=data, expected_version=1
    )  # before the start: fine
    assert action.hypothesis == "Changed my mind"
    action = services.action_set_status(
        action=action, user=manager, data=services.StatusData("in_progress"), expected_version=action.version
    )
    data.hypothesis = "Rewritten after the fact"
    with pytest.raises(ValidationError, match="locked"):
        services.action_update(action=action, user=manager, data=data, expected_version=action.version)
    # Nor does it unlock by going back to planned.
    with pytest.raises(ValidationError, match="does not go back to planned"):
        services.action_set_status(
            action=action, user=manager, data=services.StatusData("planned"), expected_version=action.version
        )
    # The edit page's trial fields are disabled: whatever is posted, the design stays.
    form = form_data(
        last_year, manager, is_trial="on", hypothesis="Rewritten", judged_by="Other", version=action.version
    )
    form["title"] = "New title"
    response = client_for(manager).post(reverse("actions:edit", args=[action.pk]), form)
    assert response.status_code == 302
    action.refresh_from_db()
    assert (action.title, action.hypothesis, action.judged_by) == ("New title", "Changed my mind", "Counted")
    # The outcome and decision are recorded at the end, and a finished trial has both.
    with pytest.raises(ValidationError) as caught:
        services.action_set_status(
            action=action, user=manager, data=services.StatusData("done"), expected_version=action.version
        )
    assert set(caught.value.error_dict) == {"outcome", "decision"}
    action = services.action_set_status(
        action=action,
        user=manager,
        data=services.StatusData("done", outcome="Twice as many came back", decision="scale_up"),
        expected_version=action.version,
    )
    assert action.get_decision_display() == "Scale up"


# -- Seeing it --------------------------------------------------------------------------------


def test_overdue_actions_are_marked_and_the_dashboard_counts_the_plan(client_for, last_year, manager, officer):
    late = plan(
        last_year, manager, title="Late one", start=TODAY() - timedelta(days=40), due=TODAY() - timedelta(days=2)
    )
    plan(last_year, manager, title="On time")
    services.action_set_status(
        action=plan(last_year, officer, title="Finished"),
        user=officer,
        data=services.StatusData("done"),
        expected_version=1,
    )
    client = client_for(manager)
    page = client.get(last_year.get_absolute_url()).content.decode()
    assert "1 overdue" in page
    dash = client.get(reverse("audits:dashboard", args=[last_year.council.slug])).content.decode()
    assert "2 planned · 0 in progress · 1 done · 0 dropped" in dash and "1 overdue" in dash
    assert late.title in dash
    rows = list(
        csv.reader(
            io.StringIO(
                client.get(reverse("audits:dashboard-csv", args=[last_year.council.slug])).content.decode("utf-8-sig")
            )
        )
    )
    assert ["action plan", "all scopes", "", "Responded to", "0", "in progress; 2 planned, 1 done, 0 dropped"] in rows
    # A change shows at once, though the dashboard's body is cached.
    services.action_set_status(action=late, user=manager, data=services.StatusData("done"), expected_version=1)
    dash = client.get(reverse("audits:dashboard", args=[last_year.council.slug])).content.decode()
    assert "1 planned · 0 in progress · 2 done · 0 dropped" in dash


def test_my_actions_lists_the_actions_i_own(client_for, last_year, manager, officer):
    mine = plan(last_year, manager, title="Mine", owner=officer)
    plan(last_year, manager, title="Someone else's", owner=manager)
    page = client_for(officer).get(reverse("actions:mine")).content.decode()
    assert mine.title in page and "Someone else's" not in page


def test_the_plan_downloads_as_csv(client_for, last_year, manager):
    plan(
        last_year,
        manager,
        partner="Menter Môn",
        owner=None,
        partner_contact="Gwen, gwen@example.org",
        target='=HYPERLINK("x")',
    )
    response = client_for(manager).get(reverse("actions:plan-csv", args=[last_year.council.slug]))
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:5] == ["scope", "factor", "title", "intervention", "questions"]
    assert rows[1][0:2] == ["Planning", "Responded to"] and rows[1][4] == "RT3 RT4"
    assert rows[1][5] == "Menter Môn (partner), contact Gwen, gwen@example.org"
    assert rows[1][10].startswith("'=")  # a formula is written as text


# -- The next audit ---------------------------------------------------------------------------


@pytest.fixture
def followed(council, planning, officer, manager, last_year, audit):
    """Last year's plan (RT: two done, one in progress; CD: dropped), and this year's audit of the
    same scope: RT3 and RT4 rose a level, RT1 stayed, CD1 fell."""
    done = [
        plan(last_year, manager, title="You said, we did", codes=("RT3", "RT4")),
        plan(last_year, manager, title="Feedback letters", codes=("RT4",)),
    ]
    for action in done:
        services.action_set_status(action=action, user=manager, data=services.StatusData("done"), expected_version=1)
    plan(last_year, manager, title="Committee reports", codes=("RT1",))
    dropped = plan(last_year, manager, title="Digital help", codes=("CD1",), factor="can_do")
    services.action_set_status(
        action=dropped,
        user=manager,
        data=services.StatusData("dropped", dropped_reason="No funding"),
        expected_version=1,
    )
    answer_all(audit, officer, rating=2)
    return rate(audit, officer, RT3=3, RT4=3, CD1=1)


def test_the_next_audit_says_what_the_plan_changed(client_for, followed, manager):
    found = followup(followed)
    assert found.sentences == [
        "The action on Can do was dropped; CD1 fell a level.",
        "2 of 3 actions on Responded to were done; RT3 and RT4 rose a level, RT1 did not move.",
    ]
    client = client_for(manager)
    page = client.get(followed.get_absolute_url()).content.decode()
    assert "What the last plan changed" in page and found.sentences[1] in page
    step = client.get(reverse("audits:step", args=[followed.pk, "responded-to"])).content.decode()
    # Beside RT4 (in its card, before RT5's): both actions aimed at it, and how it moved.
    rt4 = step[step.index('id="q-RT4"') : step.index('id="q-RT5"')]
    assert "You said, we did" in rt4 and "Feedback letters" in rt4
    assert "rated 2 in 2025/26, 3 now" in rt4 and "improved after action" in rt4
    # A change to an action shows on the step page at once, though its questions are cached.
    action = Action.objects.get(title="Committee reports")
    services.action_set_status(action=action, user=manager, data=services.StatusData("done"), expected_version=1)
    step = client.get(reverse("audits:step", args=[followed.pk, "responded-to"])).content.decode()
    rt1 = step[step.index('id="q-RT1"') : step.index('id="q-RT2"')]
    assert "Committee reports</a> (done" in rt1


def test_the_report_has_the_followup_and_the_plan_before_the_factor_detail(client_for, followed, manager, officer):
    html = render_to_string("reports/audit.html", {"report": build_audit_report(followed)})
    assert 0 < html.index('id="followup"') < html.index('id="factor-can_do"')
    pdf = client_for(manager).get(reverse("audits:report", args=[followed.pk])).content
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())
    assert "What the last plan changed" in text
    assert "RT3 and RT4 rose a level" in text
    assert "Action plan" in text and "Committee reports" in text  # still open, so carried on


def test_a_closed_action_is_followed_up_once():
    """An action closed before the previous audit was read there; the sentence reads a factor's moves."""
    moves = [Move("RT3", 2, "2025/26", 3), Move("RT4", 1, "2025/26", 3), Move("RT1", 2, "2025/26", None)]
    text = factor_sentence("Responded to", [], moves)
    assert text.endswith("; RT3 rose a level, RT4 rose two levels, RT1 had no rating to compare.")


def test_the_plan_carries_on_until_its_actions_are_closed(client_for, followed, manager):
    page = client_for(manager).get(followed.get_absolute_url()).content.decode()
    plan_part = page[page.index('id="action-plan"') :]
    assert "Committee reports</a>" in plan_part  # still open: carried on
    assert "You said, we did</a>" not in plan_part  # done: only in what the last plan changed


# -- Reminders --------------------------------------------------------------------------------


def test_owners_get_one_reminder_when_due_soon_and_one_when_overdue(last_year, manager, officer):
    officer.email, manager.email = "officer@example.org", "manager@example.org"
    officer.save(), manager.save()
    soon = plan(last_year, manager, title="Due soon", owner=officer, due=TODAY() + timedelta(days=10))
    plan(last_year, manager, title="Far off", owner=officer, due=TODAY() + timedelta(days=60))
    partner = plan(
        last_year, manager, title="Partner's", owner=None, partner="Menter Môn", due=TODAY() + timedelta(days=3)
    )
    call_command("send_action_reminders", stdout=io.StringIO())
    assert sorted((m.to[0], m.subject) for m in mail.outbox) == [
        ("manager@example.org", f"Due {partner.due:%-d %b %Y}: Partner's"),
        ("officer@example.org", f"Due {soon.due:%-d %b %Y}: Due soon"),
    ]
    body = next(m.body for m in mail.outbox if m.to == ["officer@example.org"])
    assert "in 10 days" in body and f"/actions/{soon.pk}/" in body and "What to do next" in body
    call_command("send_action_reminders", stdout=io.StringIO())  # again the same day: nothing twice
    assert len(mail.outbox) == 2
    # Eleven days on, the action is overdue: one more reminder, once.
    later = (TODAY() + timedelta(days=11)).isoformat()
    call_command("send_action_reminders", today=later, stdout=io.StringIO())
    call_command("send_action_reminders", today=later, stdout=io.StringIO())
    overdue = [m for m in mail.outbox if m.subject.startswith("Overdue")]
    assert [m.subject for m in overdue if "Due soon" in m.subject] == [f"Overdue since {soon.due:%-d %b %Y}: Due soon"]
    assert Reminder.objects.filter(action=soon).count() == 2
    assert ActionEvent.objects.filter(action=soon, kind="reminded").count() == 2


def test_a_done_action_gets_no_reminder(last_year, manager):
    manager.email = "manager@example.org"
    manager.save()
    action = plan(last_year, manager, due=TODAY() + timedelta(days=2))
    services.action_set_status(action=action, user=manager, data=services.StatusData("done"), expected_version=1)
    assert services.send_reminders().sent == []


# -- Queries do not grow with the plan --------------------------------------------------------


def _count(client, url) -> int:
    cache.clear()
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


# Not "page": that name is pytest-playwright's fixture, which would make these browser tests.
@pytest.mark.parametrize("which", ["plan", "plan-csv", "mine", "audit", "dashboard", "next audit", "step", "detail"])
def test_the_plan_pages_read_a_fixed_number_of_queries(client_for, followed, last_year, manager, officer, which):
    client = client_for(officer)
    plan(last_year, manager, title="Owned by the officer", owner=officer)
    urls = {
        "plan": reverse("actions:plan", args=[last_year.council.slug]),
        "plan-csv": reverse("actions:plan-csv", args=[last_year.council.slug]),
        "mine": reverse("actions:mine"),
        "audit": last_year.get_absolute_url(),
        "dashboard": reverse("audits:dashboard", args=[last_year.council.slug]),
        "next audit": followed.get_absolute_url(),
        "step": reverse("audits:step", args=[followed.pk, "responded-to"]),
        "detail": reverse("actions:detail", args=[Action.objects.order_by("pk").first().pk]),
    }
    first = _count(client, urls[which])
    for n in range(6):
        action = plan(last_year, manager, title=f"More {n}", owner=officer, codes=("RT2", "RT5"))
        services.note_add(action=action, user=officer, on=TODAY(), text=f"Note {n}")
        services.note_add(action=Action.objects.order_by("pk").first(), user=officer, on=TODAY(), text=f"Note {n}")
    assert _count(client, urls[which]) == first


def test_the_dashboard_query_count_is_pinned(client_for, last_year, manager):
    plan(last_year, manager)
    assert _count(client_for(manager), reverse("audits:dashboard", args=[last_year.council.slug])) <= 22


def test_a_long_plan_comes_in_pages_and_the_csv_has_it_all(client_for, last_year, manager):
    for n in range(26):
        plan(last_year, manager, title=f"Action {n:02d}")
    client = client_for(manager)
    url = reverse("actions:plan", args=[last_year.council.slug])
    first = client.get(url + "?status=open").content.decode()
    assert "Page 1 of 2 (26 actions)" in first and "Action 24" in first and "Action 25" not in first
    assert "?status=open&amp;page=2" in first  # the filter is kept from page to page
    assert "Action 25" in client.get(url + "?status=open&page=2").content.decode()
    csv_rows = client.get(reverse("actions:plan-csv", args=[last_year.council.slug])).content.decode("utf-8-sig")
    assert len(csv_rows.strip().splitlines()) == 27


def test_a_reopened_previous_audit_keeps_its_plan_in_the_follow_up(
    council, planning, officer, manager, last_year, audit
):
    action = plan(last_year, manager, title="Planned from revision 1")
    services.action_set_status(action=action, user=manager, data=services.StatusData("done"), expected_version=1)
    revision = audit_services.audit_reopen(audit=last_year, user=manager, reason="Figures corrected")
    revision = audit_services.audit_submit(audit=revision, user=officer)
    revision = audit_services.audit_approve(audit=revision, user=manager)
    found = followup(answer_all(audit, officer, rating=3))
    assert [f.action.title for f in found.actions] == ["Planned from revision 1"]
    # And revision 2's page lists it among the actions planned from this period.
    from actions.selectors import audit_plan

    assert [a.title for a in audit_plan(revision)] == ["Planned from revision 1"]


def test_an_owner_who_left_hands_the_reminder_to_the_planner(last_year, manager, officer):
    officer.email, manager.email = "officer@example.org", "manager@example.org"
    officer.save(), manager.save()
    action = plan(last_year, manager, title="Orphaned", owner=officer, due=TODAY() + timedelta(days=5))
    officer.memberships.all().delete()
    services.send_reminders()
    (sent,) = mail.outbox
    assert sent.to == ["manager@example.org"] and "give it a new owner" in sent.body
    assert f"/councils/{last_year.council.slug}/plan/" in sent.body
    assert Reminder.objects.get(action=action).to == "manager@example.org"


def test_an_import_does_not_delete_the_audits_a_plan_came_from(last_year, manager, tmp_path):
    from django.core.management.base import CommandError

    plan(last_year, manager)
    target = tmp_path / "export.json"
    call_command("export_audits", last_year.council.slug, output=str(target), stdout=io.StringIO())
    with pytest.raises(CommandError, match="has 1 action in its action plans"):
        call_command("import_audits", str(target), replace=True, stdout=io.StringIO())
    assert Action.objects.count() == 1
