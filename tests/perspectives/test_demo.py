"""The demo shows every part of perspectives: a group, a link, a workshop, one too small to show,
notes, a divergence still waiting, an open and a revoked link."""

import io

from django.core.management import call_command

from audits import services as audit_services
from audits.models import Audit, AuditStatus
from perspectives.comparison import comparison
from perspectives.models import Channel, Invitation, InvitationState, Perspective


def test_the_demo_perspectives_load_twice_and_show_every_case(db, client):
    call_command("seed_demo", stdout=io.StringIO())
    out = io.StringIO()
    call_command("seed_demo_perspectives", stdout=out)
    count = Perspective.objects.count()
    call_command("seed_demo_perspectives", stdout=io.StringIO())
    assert Perspective.objects.count() == count > 0
    assert set(Perspective.objects.values_list("channel", flat=True)) == set(Channel.values)

    past = Audit.objects.get(
        council__name="Ynys Môn", service=None, status=AuditStatus.APPROVED, perspectives__channel="members"
    )
    compared = comparison(past)
    assert compared.views[0].respondents == 3  # three councillors: a group, shown as a median
    assert compared.hidden_views and compared.divergences and not compared.unexplained

    waiting = Audit.objects.get(council__name="Ynys Môn", status=AuditStatus.SUBMITTED)
    assert len(comparison(waiting).unexplained) == 1
    manager = waiting.council.memberships.get(role="manager").user
    try:
        audit_services.audit_approve(audit=waiting, user=manager)
    except audit_services.AuditStateError as exc:
        assert "without an officer's note" in exc.messages[0]
    else:
        raise AssertionError("the demo's submitted audit should wait for a note")

    states = {
        inv.perspective.name: inv.state()
        for inv in Invitation.objects.filter(perspective__audit__council__name="Ynys Môn")
    }
    assert states["Anglesey Disability Forum"] == InvitationState.OPEN
    assert states["Anglesey Chamber of Trade"] == InvitationState.REVOKED
    assert "/respond/demo-anglesey-disability-forum/" in out.getvalue()
    assert client.get("/respond/demo-anglesey-disability-forum/").status_code == 200
