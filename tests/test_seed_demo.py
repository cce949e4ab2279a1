from collections import Counter
from datetime import timedelta

from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import RequestFactory
from django.utils import timezone

from audits.management.commands.seed_demo import PERIODS
from audits.models import Audit, AuditEvent, AuditStatus, Council, EventKind, Membership


def test_demo_data_loads_twice_without_duplicates(db):
    call_command("seed_demo", stdout=None)
    counts = (Council.objects.count(), Audit.objects.count(), Membership.objects.count())
    call_command("seed_demo", stdout=None)
    assert (Council.objects.count(), Audit.objects.count(), Membership.objects.count()) == counts
    assert counts[0] >= 3
    assert Council.objects.filter(name="Ynys Môn").exists()
    assert set(Counter(Audit.objects.values_list("status", flat=True))) == set(AuditStatus.values)
    assert Audit.objects.values("period").distinct().count() == 3


def test_demo_logins_work(db):
    call_command("seed_demo", stdout=None)
    request = RequestFactory().post("/accounts/login/")
    for username in ["officer", "manager", "councillor", "officer2", "manager2", "admin"]:
        assert authenticate(request, username=username, password="clear-demo") is not None, username
    assert Membership.objects.get(user__username="officer").council.name == "Ynys Môn"
    assert Membership.objects.get(user__username="officer2").council.name == "Rhondda Cynon Taf"


def test_the_demo_history_carries_the_dates_of_each_audits_own_steps(db):
    """The history of a 2024/25 audit must not say everything happened the moment the seed ran."""
    before = timezone.now()
    call_command("seed_demo", stdout=None)
    step_dates = {
        EventKind.CREATED: "created_at",
        EventKind.SUBMITTED: "submitted_at",
        EventKind.RETURNED: "returned_at",
        EventKind.APPROVED: "approved_at",
    }
    audits = {a.pk: a for a in Audit.objects.all()}
    events = list(AuditEvent.objects.all())
    assert {e.kind for e in events} == {EventKind.CREATED, EventKind.ANSWER, *step_dates}
    for event in events:
        audit = audits[event.audit_id]
        if event.kind in step_dates:
            assert event.at == getattr(audit, step_dates[event.kind]), (audit, event)
        else:  # answers: after the audit was started, before it was submitted (or last changed)
            assert audit.created_at < event.at <= (audit.submitted_at or audit.updated_at), (audit, event)
        assert event.at < before, (audit, event)  # not "now": the seed ran after every step
    for audit in audits.values():
        assert audit.updated_at == max(e.at for e in events if e.audit_id == audit.pk), audit
    # The two earlier periods' audits all happened at least a year ago.
    old = [e for e in events if audits[e.audit_id].period in PERIODS[:2]]
    assert old and max(e.at for e in old) < before - timedelta(days=300)
