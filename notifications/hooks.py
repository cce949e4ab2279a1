"""What the workflow of ``audits`` tells people by e-mail, through ``audits.extensions``
(audits does not import this app)."""

from __future__ import annotations

from django.urls import reverse

from audits import extensions
from audits.models import EventKind, Membership, Role
from audits.selectors import audit_workers

from .models import Kind
from .services import absolute, notify

#: Who hears of each step: the council's managers (to review), or the officers who worked on it.
_TO_MANAGERS = {EventKind.SUBMITTED: Kind.SUBMITTED}
_TO_WORKERS = {EventKind.RETURNED: Kind.RETURNED, EventKind.APPROVED: Kind.APPROVED, EventKind.REOPENED: Kind.REOPENED}


def managers_of(council_id: int) -> list:
    return [m.user for m in Membership.objects.filter(council_id=council_id, role=Role.MANAGER).select_related("user")]


def _on_status_change(audit, kind: str, user, **detail) -> None:
    if kind in _TO_MANAGERS:
        people, email_kind = managers_of(audit.council_id), _TO_MANAGERS[kind]
        url = absolute(reverse("audits:review", args=[audit.pk]))
    elif kind in _TO_WORKERS:
        people, email_kind = audit_workers(audit), _TO_WORKERS[kind]
        url = absolute(audit.get_absolute_url())
    else:
        return
    context = {
        "audit": audit,
        "actor": user,
        "actor_name": user.get_full_name() or user.get_username(),
        "url": url,
        **detail,
    }
    notify(kind=email_kind, users=people, context=context, besides=user)


def register() -> None:
    extensions.register(status_listener=_on_status_change)
