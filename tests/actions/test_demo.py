"""The demo shows every part of action plans: each status, a trial with its result, a partner's
action, a dropped one with its reason, the next audit's follow-up, and reminders sent once."""

import io

from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command

from actions.followup import followup
from actions.models import Action, ActionStatus
from audits.models import Audit

User = get_user_model()


def test_the_demo_plans_load_twice_and_show_every_case(db, client):
    call_command("seed_demo", stdout=io.StringIO())
    call_command("seed_demo_actions", stdout=io.StringIO())
    count = Action.objects.count()
    call_command("seed_demo_actions", stdout=io.StringIO())
    assert Action.objects.count() == count > 0
    assert set(Action.objects.values_list("status", flat=True)) == set(ActionStatus.values)
    assert Action.objects.filter(is_trial=True).exclude(outcome="").exclude(decision="").exists()
    assert Action.objects.exclude(partner="").exists()
    assert not Action.objects.filter(status="dropped", dropped_reason="").exists()

    current = Audit.objects.get(council__name="Ynys Môn", service=None, period="2026/27")
    found = followup(current)
    assert found is not None and found.sentences

    out = io.StringIO()
    call_command("send_action_reminders", stdout=out)
    sent = len(mail.outbox)
    assert sent > 0 and f"{sent} reminders sent." in out.getvalue()
    call_command("send_action_reminders", stdout=io.StringIO())
    assert len(mail.outbox) == sent

    client.force_login(User.objects.get(username="manager"))
    assert "Action plan" in client.get("/councils/ynys-mon/dashboard/").content.decode()
