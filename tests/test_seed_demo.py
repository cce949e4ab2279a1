from collections import Counter

from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import RequestFactory

from audits.models import Audit, AuditStatus, Council, Membership


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
